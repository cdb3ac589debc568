package experiment_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// TestSecretsStayOutOfTheStore submits a run whose configuration carries a registry password and
// checks that it reaches neither the run's details nor any file of the workspace.
func TestSecretsStayOutOfTheStore(t *testing.T) {
	const secret = "hunter2-registry-password"
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, err := workspace.Open(dir, nil)
	require.NoError(t, err)
	exp, err := experiment.New(ws, "secrets")
	require.NoError(t, err)
	rc := userManaged(t)
	rc.Environment.Docker.BaseImageRegistry.Address = "myregistry.azurecr.io"
	rc.Environment.Docker.BaseImageRegistry.Username = "me"
	rc.Environment.Docker.BaseImageRegistry.Password = runconfig.Secret(secret)
	run, err := exp.Submit(ctx, runconfigFor(sourceDir(t, map[string]string{"s.py": "print('ok')\n"}), rc), nil)
	require.NoError(t, err)
	details, err := run.WaitForCompletion(ctx, nil)
	require.NoError(t, err)
	assert.NotContains(t, string(details.RunDefinition), secret)
	assert.Contains(t, string(details.RunDefinition), "myregistry.azurecr.io")
	assert.Equal(t, runconfig.Secret(secret), rc.Environment.Docker.BaseImageRegistry.Password, "the caller's config is not modified")
	require.NoError(t, ws.Close())

	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		assert.False(t, bytes.Contains(b, []byte(secret)), "secret found in %s", p)
		return nil
	})
	require.NoError(t, err)
}
