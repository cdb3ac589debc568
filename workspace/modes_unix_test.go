//go:build unix

package workspace

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/store"
)

func TestModesIgnoreUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "ws")
	ws, err := Open(dir, nil)
	require.NoError(t, err)
	defer ws.Close()
	for _, d := range []string{dir, ws.RunsDir()} {
		fi, err := os.Stat(d)
		require.NoError(t, err)
		assert.Equal(t, os.ModeDir|0o700, fi.Mode()&(os.ModeDir|os.ModePerm), d)
	}
	fi, err := os.Stat(filepath.Join(dir, store.DatabaseFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}
