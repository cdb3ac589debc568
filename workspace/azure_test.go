package workspace_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

func fakeWorkspace(t *testing.T) (*armfake.Server, workspace.ID) {
	t.Helper()
	srv := armfake.New(t)
	armID := srv.NewWorkspace("sub-1", "rg-1", "ws1", "eastus2")
	id, err := workspace.ParseID(armID)
	require.NoError(t, err)
	return srv, id
}

func opts(srv *armfake.Server, dir string) *workspace.GetOptions {
	return &workspace.GetOptions{ClientOptions: srv.ClientOptions(), Dir: dir}
}

func TestGetAzureWorkspace(t *testing.T) {
	ctx := context.Background()
	srv, id := fakeWorkspace(t)
	dir := filepath.Join(t.TempDir(), "history")
	ws, err := workspace.Get(ctx, srv.Credential(), id, opts(srv, dir))
	require.NoError(t, err)
	defer ws.Close()

	assert.Equal(t, "ws1", ws.Name())
	assert.False(t, ws.Local())
	assert.Equal(t, dir, ws.Dir())
	assert.DirExists(t, ws.RunsDir())
	assert.Equal(t, "Workspace.create(name='ws1', subscription_id='sub-1', resource_group='rg-1')", ws.String())
	info, ok := ws.Azure()
	require.True(t, ok)
	assert.Equal(t, id, info.ID)
	assert.Equal(t, "eastus2", info.Location)
	assert.Equal(t, "https://eastus2.api.azureml.ms/discovery", info.DiscoveryURL)
	assert.Contains(t, info.MLflowTrackingURI, "azureml://eastus2.api.azureml.ms/mlflow/v1.0/subscriptions/sub-1/")
	assert.Contains(t, info.StorageAccount, "/Microsoft.Storage/storageAccounts/")

	// The run history behind it works like a local workspace's.
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	require.NoError(t, st.CreateRun(ctx, store.Run{ID: "r1", Experiment: "e"}))
	az, ok := wsaccess.Azure(ws)
	require.True(t, ok)
	assert.Equal(t, "eastus2", az.Location)
	assert.Equal(t, id.String(), az.ID())

	local, err := workspace.Open(t.TempDir(), nil)
	require.NoError(t, err)
	defer local.Close()
	_, ok = wsaccess.Azure(local)
	assert.False(t, ok)
	_, ok = local.Azure()
	assert.False(t, ok)
	_, err = local.WriteConfig(t.TempDir(), nil)
	assert.ErrorIs(t, err, workspace.ErrRequiresAzureWorkspace)
}

func TestGetDefaultHistoryDirIsKeyedByID(t *testing.T) {
	ctx := context.Background()
	srv, id := fakeWorkspace(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	ws, err := workspace.Get(ctx, srv.Credential(), id, opts(srv, ""))
	require.NoError(t, err)
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	require.NoError(t, st.CreateRun(ctx, store.Run{ID: "kept", Experiment: "e"}))
	dir := ws.Dir()
	require.NoError(t, ws.Close())
	rel, err := filepath.Rel(cache, dir)
	require.NoError(t, err)
	assert.Regexp(t, `^amlgo/azure/[0-9a-f]{16}$`, filepath.ToSlash(rel))

	// Same workspace (ids are case-insensitive): same history.
	id.ResourceGroup = "RG-1"
	ws, err = workspace.Get(ctx, srv.Credential(), id, opts(srv, ""))
	require.NoError(t, err)
	defer ws.Close()
	assert.Equal(t, dir, ws.Dir())
	st, err = wsaccess.Store(ws)
	require.NoError(t, err)
	_, err = st.GetRun(ctx, "kept")
	assert.NoError(t, err)
}

func TestGetNotFound(t *testing.T) {
	srv, id := fakeWorkspace(t)
	id.Name = "missing"
	_, err := workspace.Get(context.Background(), srv.Credential(), id, opts(srv, t.TempDir()))
	assert.ErrorIs(t, err, workspace.ErrNotFound)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.StatusCode)

	_, err = workspace.Get(context.Background(), srv.Credential(), workspace.ID{Name: "x"}, opts(srv, t.TempDir()))
	assert.ErrorContains(t, err, "workspace: ")
}

// amlgo picks no credential itself: a nil one is an error saying what to pass.
func TestGetNeedsCredential(t *testing.T) {
	srv, id := fakeWorkspace(t)
	_, err := workspace.Get(context.Background(), nil, id, opts(srv, t.TempDir()))
	assert.EqualError(t, err, "workspace: nil credential: pass an azcore.TokenCredential, e.g. the one "+
		"azidentity.NewDefaultAzureCredential returns (az login, environment, managed identity)")
	for _, err := range workspace.List(context.Background(), nil, "sub-1", "rg-1", nil) {
		assert.ErrorContains(t, err, "workspace: nil credential")
	}
	assert.Empty(t, srv.Requests(), "nothing was sent")
}

// A program using only local workspaces links neither azidentity nor MSAL: amlgo takes the
// caller's credential and never builds one itself.
func TestLocalProgramsDoNotLinkAzidentity(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		testenv.SkipOrFail(t, "the go command is not on PATH")
	}
	cmd := exec.Command(gobin, "list", "-deps", "./examples/train-on-local")
	cmd.Dir = testenv.RepoRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := string(out)
	require.Contains(t, deps, "github.com/amlgo/amlgo/workspace\n")
	assert.NotContains(t, deps, "github.com/Azure/azure-sdk-for-go/sdk/azidentity")
	assert.NotContains(t, deps, "github.com/AzureAD/microsoft-authentication-library-for-go")
}

func TestList(t *testing.T) {
	srv, _ := fakeWorkspace(t)
	srv.NewWorkspace("sub-1", "rg-1", "ws2", "westus")
	srv.NewWorkspace("sub-1", "rg-2", "other", "westus")
	srv.PageSize = 1
	var names []string
	for info, err := range workspace.List(context.Background(), srv.Credential(), "sub-1", "rg-1", opts(srv, "")) {
		require.NoError(t, err)
		names = append(names, info.ID.Name+"@"+info.Location)
	}
	assert.Equal(t, []string{"ws1@eastus2", "ws2@westus"}, names)

	srv.Inject(http.MethodGet, "/workspaces", http.StatusForbidden)
	for _, err := range workspace.List(context.Background(), srv.Credential(), "sub-1", "rg-1", opts(srv, "")) {
		var re *azcore.ResponseError
		assert.True(t, errors.As(err, &re))
	}
}

// The spec's Workspaces_Get example, served as is, gives the fields the SDK exposes.
func TestGetSpecExampleWorkspace(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "arm-examples", "examples", "Workspace", "get.json"))
	require.NoError(t, err)
	var ex struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	require.NoError(t, json.Unmarshal(raw, &ex))
	srv := armfake.New(t)
	srv.AddWorkspace(ex.Responses["200"].Body)
	id := workspace.ID{SubscriptionID: "00000000-1111-2222-3333-444444444444", ResourceGroup: "workspace-1234", Name: "testworkspace"}
	ws, err := workspace.Get(context.Background(), srv.Credential(), id, opts(srv, t.TempDir()))
	require.NoError(t, err)
	defer ws.Close()
	info, _ := ws.Azure()
	assert.Equal(t, workspace.AzureInfo{
		ID: id, Location: "eastus2euap", FriendlyName: "HelloName", Description: "test description",
		DiscoveryURL:        "http://example.com",
		StorageAccount:      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/accountcrud-1234/providers/Microsoft.Storage/storageAccounts/testStorageAccount",
		KeyVault:            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/workspace-1234/providers/Microsoft.KeyVault/vaults/testkv",
		ApplicationInsights: "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/workspace-1234/providers/microsoft.insights/components/testinsights",
		ContainerRegistry:   "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/workspace-1234/providers/Microsoft.ContainerRegistry/registries/testRegistry",
	}, info)
}
