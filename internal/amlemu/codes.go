package amlemu

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// listCodeVersions answers CodeVersions_List; with ?hash= it returns the versions of any name
// whose properties carry that hash_sha256 (and hash_version, when given), as the service does.
func (e *Emulator) listCodeVersions(c *armfake.Call) {
	q := c.R.URL.Query()
	hash, hv := q.Get("hash"), q.Get("hashVersion")
	var items []any
	all := e.arm.AssetsLocked(c.WorkspaceID, "codes")
	sort.Slice(all, func(i, j int) bool { return str(all[i]["id"]) < str(all[j]["id"]) })
	for _, v := range all {
		id := strings.ToLower(str(v["id"]))
		if hash == "" && !strings.Contains(id, "/codes/"+strings.ToLower(c.Params["name"])+"/versions/") {
			continue
		}
		props, _ := v["properties"].(map[string]any)
		inner, _ := props["properties"].(map[string]any)
		if hash != "" && (str(inner["hash_sha256"]) != hash || (hv != "" && str(inner["hash_version"]) != hv)) {
			continue
		}
		items = append(items, v)
	}
	if items == nil {
		items = []any{}
	}
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{"value": items})
}

// startPendingUpload answers CodeVersions_CreateOrGetStartPendingUpload: a fresh temporary
// container in Azurite and a container-level read/write/list SAS for it.
func (e *Emulator) startPendingUpload(c *armfake.Call) {
	id := randomHex(16)
	name := "pending-" + id
	if _, err := e.blob.CreateContainer(c.R.Context(), name, nil); err != nil {
		e.arm.WriteError(c.W, http.StatusInternalServerError, "InternalServerError", "creating the upload container failed")
		return
	}
	sasURL, err := e.containerSAS(name, sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, List: true}, 2*time.Hour)
	if err != nil {
		e.arm.WriteError(c.W, http.StatusInternalServerError, "InternalServerError", "signing the upload container failed")
		return
	}
	blobURI := strings.TrimSuffix(e.opts.BlobEndpoint, "/") + "/" + name
	e.mu.Lock()
	hook := e.onPendingUpload
	e.mu.Unlock()
	if hook != nil {
		defer func() { go hook() }() // after the answer: the client is starting its upload
	}
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{
		"pendingUploadId":   id,
		"pendingUploadType": "TemporaryBlobReference",
		"blobReferenceForConsumption": map[string]any{
			"blobUri":             blobURI,
			"storageAccountArmId": "/subscriptions/" + c.Params["subscriptionId"] + "/resourceGroups/" + c.Params["resourceGroupName"] + "/providers/Microsoft.Storage/storageAccounts/" + e.opts.AccountName,
			"credential":          map[string]any{"credentialType": "SAS", "sasUri": sasURL},
		},
	})
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// OnPendingUpload calls f (when not nil, in its own goroutine) each time a pending upload has
// been handed out: a test's event for "the client starts uploading" (an interrupted upload).
func (e *Emulator) OnPendingUpload(f func()) {
	e.mu.Lock()
	e.onPendingUpload = f
	e.mu.Unlock()
}
