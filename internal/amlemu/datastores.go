package amlemu

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// BlobstoreContainer is the default datastore's container in Azurite (the service names it
// azureml-blobstore-<workspace id>).
const BlobstoreContainer = "azureml-blobstore"

// Datastore names: the workspace's default blob datastore and its artifact store.
const (
	DefaultDatastore  = "workspaceblobstore"
	ArtifactDatastore = "workspaceartifactstore"
)

// datastore returns the stored form of a datastore of workspace wsID (nil for another name):
// AzureBlob on Azurite with AccountKey credentials (its endpoint has a port: clients address it
// path-style, as Azurite wants).
func (e *Emulator) datastore(wsID, name string) map[string]any {
	var containerName string
	isDefault := false
	switch strings.ToLower(name) {
	case DefaultDatastore:
		name, containerName, isDefault = DefaultDatastore, BlobstoreContainer, true
	case ArtifactDatastore:
		name, containerName = ArtifactDatastore, ArtifactContainer
	default:
		return nil
	}
	scheme, host, _ := strings.Cut(strings.TrimSuffix(e.opts.BlobEndpoint, "/"), "://")
	host, _, _ = strings.Cut(host, "/")
	return map[string]any{
		"id":   wsID + "/datastores/" + name,
		"name": name,
		"type": "Microsoft.MachineLearningServices/workspaces/datastores",
		"properties": map[string]any{
			"datastoreType": "AzureBlob", "accountName": e.opts.AccountName, "containerName": containerName,
			"endpoint": host, "protocol": scheme, "isDefault": isDefault, "serviceDataAccessAuthIdentity": "None",
			"credentials": map[string]any{"credentialsType": "AccountKey"},
			"description": nil, "properties": map[string]any{}, "tags": map[string]any{},
		},
	}
}

// getDatastore answers Datastores_Get.
func (e *Emulator) getDatastore(c *armfake.Call) {
	ds := e.datastore(c.WorkspaceID, c.Params["name"])
	if ds == nil {
		e.arm.WriteError(c.W, http.StatusNotFound, "UserError", "Datastore "+c.Params["name"]+" not found.")
		return
	}
	e.arm.WriteJSON(c.W, http.StatusOK, ds)
}

// listDatastores answers Datastores_List (one page): isDefault=true keeps the default
// datastore only; names=a,b keeps those.
func (e *Emulator) listDatastores(c *armfake.Call) {
	q := c.R.URL.Query()
	onlyDefault := false
	if v := q.Get("isDefault"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.arm.WriteError(c.W, http.StatusBadRequest, "UserError", "isDefault must be true or false, not "+strconv.Quote(v)+".")
			return
		}
		onlyDefault = b
	}
	var names []string
	if v := q.Get("names"); v != "" {
		names = strings.Split(v, ",")
	}
	items := []any{}
	for _, n := range []string{ArtifactDatastore, DefaultDatastore} {
		ds := e.datastore(c.WorkspaceID, n)
		if onlyDefault && n != DefaultDatastore || len(names) > 0 && !containsFold(names, n) {
			continue
		}
		items = append(items, ds)
	}
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{"value": items})
}

// listDatastoreSecrets answers Datastores_ListSecrets: the account key of the default
// datastore (AccountKey secrets); for the artifact store, a read/list SAS of its container.
func (e *Emulator) listDatastoreSecrets(c *armfake.Call) {
	switch strings.ToLower(c.Params["name"]) {
	case DefaultDatastore:
		e.arm.WriteSecretJSON(c.W, http.StatusOK, map[string]any{"secretsType": "AccountKey", "key": e.opts.AccountKey})
	case ArtifactDatastore:
		u, err := e.containerSAS(ArtifactContainer, sas.ContainerPermissions{Read: true, List: true}, time.Hour)
		if err != nil {
			e.arm.WriteError(c.W, http.StatusInternalServerError, "InternalServerError", "signing failed")
			return
		}
		_, token, _ := strings.Cut(u, "?")
		e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{"secretsType": "Sas", "sasToken": token})
	default:
		e.arm.WriteError(c.W, http.StatusNotFound, "UserError", "Datastore "+c.Params["name"]+" not found.")
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}
