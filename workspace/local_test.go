package workspace

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
)

func TestOpenDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-ws")
	ws, err := Open(dir, nil)
	require.NoError(t, err)
	defer ws.Close()
	assert.Equal(t, "my-ws", ws.Name())
	assert.Equal(t, dir, ws.Dir())
	assert.Equal(t, filepath.Join(dir, "runs"), ws.RunsDir())
	assert.True(t, ws.Local())
	assert.DirExists(t, ws.RunsDir())
	assert.FileExists(t, filepath.Join(dir, store.DatabaseFile))
	assert.Equal(t, `Workspace.local(name="my-ws", dir="`+dir+`")`, ws.String())
}

func TestOpenOptionsAndRelativeDir(t *testing.T) {
	t.Chdir(t.TempDir())
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ws, err := Open(".amlgo", &OpenOptions{Name: "demo", Logger: logger})
	require.NoError(t, err)
	defer ws.Close()
	assert.Equal(t, "demo", ws.Name())
	assert.True(t, filepath.IsAbs(ws.Dir()))
	assert.Equal(t, ".amlgo", filepath.Base(ws.Dir()))
	assert.Contains(t, logs.String(), "opened local workspace")
}

func TestOpenErrors(t *testing.T) {
	_, err := Open("", nil)
	assert.Error(t, err)
	_, err = Open(t.TempDir(), &OpenOptions{Name: "bad\nname"})
	assert.ErrorContains(t, err, "invalid workspace name")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "runs"), nil, 0o600))
	_, err = Open(dir, nil)
	assert.ErrorContains(t, err, "not a directory")
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ws, err := Open(dir, nil)
	require.NoError(t, err)
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	require.NoError(t, st.CreateRun(ctx, store.Run{ID: "r1", Experiment: "e"}))
	require.NoError(t, ws.Close())

	ws, err = Open(dir, nil)
	require.NoError(t, err)
	defer ws.Close()
	st, err = wsaccess.Store(ws)
	require.NoError(t, err)
	_, err = st.GetRun(ctx, "r1")
	assert.NoError(t, err)
}

func TestWsaccessStore(t *testing.T) {
	ws, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	require.NotNil(t, st)
	assert.Equal(t, ws.Dir(), st.Dir())

	_, err = wsaccess.Store(nil)
	assert.ErrorContains(t, err, "nil workspace")
	_, err = wsaccess.Store((*Workspace)(nil))
	assert.ErrorContains(t, err, "nil workspace")
	_, err = wsaccess.Store("not a workspace")
	assert.ErrorContains(t, err, "string is not a *workspace.Workspace")
	_, err = wsaccess.Store(&Workspace{name: "remote"})
	assert.ErrorIs(t, err, ErrRequiresLocalWorkspace)

	require.NoError(t, ws.Close())
	require.NoError(t, ws.Close(), "second Close is harmless")
	_, err = wsaccess.Store(ws)
	assert.ErrorIs(t, err, ErrClosed)
	assert.True(t, st.Closed())
}

func TestConcurrentOpenSameDir(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			ws, err := Open(dir, nil)
			if err == nil {
				err = ws.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}
