package codeasset

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/amlgo/amlgo/snapshot"
	"github.com/stretchr/testify/require"
)

// memFiles returns files with the given contents, opened as seekable in-memory readers.
func memFiles(contents map[string]string) []File {
	var files []File
	for p, c := range contents {
		files = append(files, memFile(p, c))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files
}

func memFile(path, content string) File {
	return File{Path: path, Size: int64(len(content)), Open: func() (io.ReadCloser, error) {
		return nopReadSeekCloser{bytes.NewReader([]byte(content))}, nil
	}}
}

type nopReadSeekCloser struct{ *bytes.Reader }

func (nopReadSeekCloser) Close() error { return nil }

// streamOnly hides everything but Read and Close, like a reader from a network or a decompressor.
func streamOnly(f File) File {
	open := f.Open
	f.Open = func() (io.ReadCloser, error) {
		r, err := open()
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{r, r}, nil
	}
	return f
}

// writeTree writes contents below dir.
func writeTree(t testing.TB, dir string, contents map[string][]byte) {
	t.Helper()
	for p, c := range contents {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(fp), 0o755))
		require.NoError(t, os.WriteFile(fp, c, 0o644))
	}
}

// diskFiles snapshots dir (no limits) and lists its code asset files, opened from disk.
func diskFiles(t testing.TB, dir string) []File {
	t.Helper()
	s, err := snapshot.Take(t.Context(), dir, &snapshot.Options{MaxSize: -1, MaxFiles: -1})
	require.NoError(t, err)
	return FromSnapshot(s, func(f snapshot.File) (io.ReadCloser, error) {
		return os.Open(filepath.Join(s.Root, filepath.FromSlash(f.Path)))
	})
}

func paths(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}
