package snapshot

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeTree creates files below dir. A key ending in "/" is an empty
// directory; "->target" values make symlinks; other values are file contents.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if target, ok := strings.CutPrefix(content, "->"); ok {
			require.NoError(t, os.Symlink(target, p))
			continue
		}
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// take runs Take with opts and fails the test on error.
func take(t testing.TB, dir string, opts *Options) *Snapshot {
	t.Helper()
	s, err := Take(context.Background(), dir, opts)
	require.NoError(t, err)
	return s
}

// paths lists the manifest paths of s (directories with a trailing "/").
func paths(s *Snapshot) []string {
	out := make([]string, 0, len(s.Files))
	for _, f := range s.Files {
		p := f.Path
		if f.IsDir() {
			p += "/"
		}
		out = append(out, p)
	}
	return out
}

// countOpens replaces openForHash for the duration of the test and returns
// the number of files opened for hashing.
func countOpens(t testing.TB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	orig := openForHash
	openForHash = func(path string) (*os.File, error) {
		n.Add(1)
		return orig(path)
	}
	t.Cleanup(func() { openForHash = orig })
	return &n
}

// testCache returns a stat cache that trusts files of any age, so tests need
// not wait out the racy window.
func testCache() *StatCache {
	return &StatCache{racyWindow: -1e9, racyWindowSet: true}
}

// blobStore is an in-memory content-addressed store for Materialize tests.
type blobStore map[string][]byte

func (b blobStore) open(f File) (io.ReadCloser, error) {
	data, ok := b[f.SHA256]
	if !ok {
		return nil, os.ErrNotExist
	}
	return io.NopCloser(strings.NewReader(string(data))), nil
}

// storeFrom fills a blobStore with the files of a snapshot taken of dir.
func storeFrom(t testing.TB, s *Snapshot) blobStore {
	t.Helper()
	b := blobStore{}
	for _, f := range s.Files {
		if f.IsRegular() {
			data, err := os.ReadFile(filepath.Join(s.Root, filepath.FromSlash(f.Path)))
			require.NoError(t, err)
			b[f.SHA256] = data
		}
	}
	return b
}
