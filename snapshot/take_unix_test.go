//go:build unix

package snapshot

import (
	"net"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTakeSpecialFilesSkipped(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "a"})
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	sockPath := filepath.Join(dir, "sock")
	if len(sockPath) < 100 {
		l, err := net.Listen("unix", sockPath)
		require.NoError(t, err)
		defer l.Close()
	}
	s := take(t, dir, nil)
	assert.Equal(t, []string{"a.txt"}, paths(s))
	require.NotEmpty(t, s.Skipped)
	assert.Equal(t, Skipped{Path: "fifo", Reason: "special file (named pipe)"}, s.Skipped[0])
}
