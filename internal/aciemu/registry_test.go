package aciemu_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkspaceRegistry: the workspace's registry answers Registries_Get (loginServer, admin
// user) and ListCredentials through the generated client; a group pulls through its login
// server with those credentials, and the login server records pulls and pushes.
func TestWorkspaceRegistry(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	wsID := f.srv.NewWorkspace(sub, rg, "ws-aci", "eastus")
	bare := f.srv.NewWorkspace(sub, rg, "ws-bare", "eastus")
	regID, err := f.emu.SetWorkspaceRegistry(wsID)
	require.NoError(t, err)
	assert.Equal(t, "/subscriptions/"+sub+"/resourceGroups/"+rg+"/providers/Microsoft.ContainerRegistry/registries/acrwsaci", regID)
	f.srv.Lock()
	var ws, wsBare struct {
		Properties map[string]any `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(f.srv.WorkspaceLocked(wsID), &ws))
	require.NoError(t, json.Unmarshal(f.srv.WorkspaceLocked(bare), &wsBare))
	f.srv.Unlock()
	assert.Equal(t, regID, ws.Properties["containerRegistry"])
	assert.NotContains(t, wsBare.Properties, "containerRegistry", "a workspace without a registry stays possible")

	cf, err := armcontainerregistry.NewClientFactory(sub, f.srv.Credential(), f.srv.ClientOptions())
	require.NoError(t, err)
	regs := cf.NewRegistriesClient()
	got, err := regs.Get(ctx, rg, "acrwsaci", nil)
	require.NoError(t, err)
	assert.Equal(t, f.emu.LoginServer(), *got.Properties.LoginServer)
	assert.True(t, *got.Properties.AdminUserEnabled)
	creds, err := regs.ListCredentials(ctx, rg, "acrwsaci", nil)
	require.NoError(t, err)
	assert.Equal(t, f.env.RegistryUser, *creds.Username)
	require.Len(t, creds.Passwords, 2)
	assert.Equal(t, f.env.RegistryPassword, *creds.Passwords[0].Value)
	_, err = regs.Get(ctx, rg, "acrother", nil)
	assertCode(t, err, 404, "ResourceNotFound")

	g := f.group([]string{"python3", "-c", "print('pulled through the login server')"}, 1, 1)
	image := f.emu.LoginServer() + "/amlgo/python3-sklearn:1"
	g.Properties.Containers[0].Properties.Image = to.Ptr(image)
	g.Properties.ImageRegistryCredentials[0].Server = to.Ptr(f.emu.LoginServer())
	g.Properties.ImageRegistryCredentials[0].Password = creds.Passwords[1].Value
	_, err = f.create(t, "via-login-server", g)
	require.NoError(t, err)
	v := f.waitState(t, "via-login-server", "Succeeded", "Failed")
	assert.Equal(t, "Succeeded", v.State)
	pulled := false
	for _, r := range f.emu.RegistryRequests() {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.Path == "/v2/amlgo/python3-sklearn/manifests/1" && r.Status == http.StatusOK {
			pulled = true
		}
	}
	assert.True(t, pulled, "the pull went through the login server: %v", f.emu.RegistryRequests())
	assert.Empty(t, f.emu.Pushes())

	// The shared registry keeps what is pushed: a fresh tag per run.
	tag := fmt.Sprintf("t%d", time.Now().UnixNano())
	pushManifest(t, "http://"+f.emu.LoginServer(), f.env.RegistryUser, f.env.RegistryPassword, "aciemu-test/pushed", tag)
	assert.Equal(t, []string{"aciemu-test/pushed:" + tag}, f.emu.Pushes())
	cat, err := f.emu.Catalog(ctx)
	require.NoError(t, err)
	assert.Contains(t, cat["aciemu-test/pushed"], tag)
	assert.Equal(t, []string{"1"}, cat["amlgo/python3-sklearn"])
}

// pushManifest pushes a minimal image (a config blob, no layers) with the registry's HTTP API.
func pushManifest(t *testing.T, base, user, password, repo, tag string) {
	t.Helper()
	do := func(method, u, ctype string, body []byte, want int) *http.Response {
		req, err := http.NewRequest(method, u, bytes.NewReader(body))
		require.NoError(t, err)
		req.SetBasicAuth(user, password)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, want, resp.StatusCode, "%s %s", method, u)
		return resp
	}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	sum := sha256.Sum256(config)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	resp := do(http.MethodPost, base+"/v2/"+repo+"/blobs/uploads/", "", nil, http.StatusAccepted)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	b, _ := url.Parse(base)
	loc = b.ResolveReference(loc)
	q := loc.Query()
	q.Set("digest", digest)
	loc.RawQuery = q.Encode()
	do(http.MethodPut, loc.String(), "application/octet-stream", config, http.StatusCreated)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
		"config": map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest},
		"layers": []any{},
	})
	do(http.MethodPut, base+"/v2/"+repo+"/manifests/"+tag, "application/vnd.docker.distribution.manifest.v2+json", manifest, http.StatusCreated)
}
