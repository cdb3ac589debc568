package compute

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/workspace"
)

// azureFixture is an Azure workspace backed by the fake Resource Manager.
type azureFixture struct {
	srv  *armfake.Server
	ws   *workspace.Workspace
	wsID string
}

// newAzureFixture starts a fake with one workspace and opens it; polling is fast.
func newAzureFixture(t *testing.T, sub, rg, name, location string) *azureFixture {
	t.Helper()
	old := provisioningPollInterval
	provisioningPollInterval = time.Millisecond
	t.Cleanup(func() { provisioningPollInterval = old })
	srv := armfake.New(t)
	armID := srv.NewWorkspace(sub, rg, name, location)
	id, err := workspace.ParseID(armID)
	require.NoError(t, err)
	ws, err := workspace.Get(context.Background(), srv.Credential(), id,
		&workspace.GetOptions{ClientOptions: srv.ClientOptions(), Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return &azureFixture{srv: srv, ws: ws, wsID: armID}
}

func defaultFixture(t *testing.T) *azureFixture {
	return newAzureFixture(t, "sub-1", "rg-1", "ws1", "eastus")
}

// bodies returns the bodies of the requests with method whose path ends with suffix.
func (f *azureFixture) bodies(method, suffix string) [][]byte {
	var out [][]byte
	for _, r := range f.srv.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			out = append(out, r.Body)
		}
	}
	return out
}

// lastBody returns the body of the last request with method whose path ends with suffix.
func (f *azureFixture) lastBody(t *testing.T, method, suffix string) []byte {
	t.Helper()
	b := f.bodies(method, suffix)
	require.NotEmpty(t, b, "no %s %s", method, suffix)
	return b[len(b)-1]
}

// assertSecretOnlyInPut checks that secret appears in a PUT body and in no other request or
// stored state.
func (f *azureFixture) assertSecretOnlyInPut(t *testing.T, secret string) {
	t.Helper()
	esc, _ := json.Marshal(secret)
	inPut := false
	for _, r := range f.srv.Requests() {
		has := strings.Contains(string(r.Body), strings.Trim(string(esc), `"`))
		if r.Method == http.MethodPut && has {
			inPut = true
		} else {
			require.False(t, has, "secret in %s %s", r.Method, r.Path)
		}
	}
	require.True(t, inPut, "secret not sent in the PUT body")
}
