//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFileModesIgnoreUmask(t *testing.T) {
	for _, umask := range []int{0, 0o277} {
		old := syscall.Umask(umask)
		func() {
			defer syscall.Umask(old)
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "new", "ws")
			s, err := Open(dir, nil)
			require.NoError(t, err)
			defer s.Close()
			newRun(t, s, "r") // a write creates the -wal and -shm files
			sha, _, err := s.PutBlob(ctx, strings.NewReader("hello"))
			require.NoError(t, err)

			for _, d := range []string{filepath.Dir(dir), dir, filepath.Join(dir, BlobsDir), filepath.Dir(s.BlobPath(sha))} {
				assertMode(t, d, os.ModeDir|0o700)
			}
			for _, f := range []string{DatabaseFile, DatabaseFile + "-wal", DatabaseFile + "-shm"} {
				assertMode(t, filepath.Join(dir, f), 0o600)
			}
			assertMode(t, s.BlobPath(sha), 0o600)
		}()
	}
}
