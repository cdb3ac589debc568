package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var archiveTree = map[string]string{
	"src/train.py":                           "print('train')\n",
	"src/lib/u.py":                           "u = 1\n",
	"data/":                                  "",
	"README.md":                              "# r\n",
	"latest":                                 "->src/train.py",
	"src/lib/up":                             "->../train.py",
	strings.Repeat("long/", 30) + "name.txt": "deep",
}

func archiveOf(t *testing.T, s *Snapshot) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, s.WriteArchive(&buf))
	return buf.Bytes()
}

func TestArchiveDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeTree(t, a, archiveTree)
	writeTree(t, b, archiveTree)
	// Different mtimes and owners must not matter.
	require.NoError(t, os.Chtimes(filepath.Join(b, "README.md"), archiveModTime, archiveModTime.AddDate(5, 0, 0)))
	sa, sb := take(t, a, nil), take(t, b, nil)
	assert.Equal(t, sa.ID, sb.ID)
	arA, arB := archiveOf(t, sa), archiveOf(t, sb)
	assert.Equal(t, sha256.Sum256(arA), sha256.Sum256(arB), "same tree, same bytes")
	assert.Equal(t, arA, archiveOf(t, sa))

	tr := tar.NewReader(bytes.NewReader(arA))
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, hdr.Name)
		assert.True(t, hdr.ModTime.Equal(archiveModTime), hdr.Name)
		assert.Zero(t, hdr.Uid)
		assert.Zero(t, hdr.Gid)
		assert.Empty(t, hdr.Uname)
		assert.Empty(t, hdr.Gname)
	}
	var want []string
	for _, f := range sa.Files {
		if f.IsDir() {
			want = append(want, f.Path+"/")
		} else {
			want = append(want, f.Path)
		}
	}
	assert.Equal(t, want, names, "manifest order")
}

func TestArchiveRestoreRoundTrip(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, archiveTree)
	require.NoError(t, os.Chmod(filepath.Join(src, "src/train.py"), 0o755))
	require.NoError(t, os.Chmod(filepath.Join(src, "data"), 0o555))
	t.Cleanup(func() { os.Chmod(filepath.Join(src, "data"), 0o755) })
	s := take(t, src, nil)
	dest := filepath.Join(t.TempDir(), "restored")
	require.NoError(t, Restore(context.Background(), bytes.NewReader(archiveOf(t, s)), dest))
	t.Cleanup(func() { os.Chmod(filepath.Join(dest, "data"), 0o755) })
	again := take(t, dest, nil)
	assert.Equal(t, s.Files, again.Files)
	assert.Equal(t, s.ID, again.ID)
	fi, err := os.Stat(filepath.Join(dest, "data"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o555), fi.Mode().Perm())
}

func TestArchiveDetectsChangedFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "one"})
	s := take(t, dir, nil)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("two"), 0o644))
	err := s.WriteArchive(io.Discard)
	assert.ErrorIs(t, err, ErrContentMismatch)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("three"), 0o644))
	assert.ErrorIs(t, s.WriteArchive(io.Discard), ErrContentMismatch)

	var loaded Snapshot
	data, _ := s.MarshalJSON()
	require.NoError(t, loaded.UnmarshalJSON(data))
	assert.ErrorContains(t, loaded.WriteArchive(io.Discard), "WriteArchiveFrom")
}

func TestWriteArchiveFromStore(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, archiveTree)
	s := take(t, dir, nil)
	store := storeFrom(t, s)
	var buf bytes.Buffer
	require.NoError(t, s.WriteArchiveFrom(&buf, store.open))
	assert.Equal(t, archiveOf(t, s), buf.Bytes())
}

func TestMaterialize(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, archiveTree)
	require.NoError(t, os.Chmod(filepath.Join(src, "src/train.py"), 0o700))
	s := take(t, src, nil)
	store := storeFrom(t, s)
	dest := filepath.Join(t.TempDir(), "wd")
	require.NoError(t, s.Materialize(context.Background(), dest, store.open))
	again := take(t, dest, nil)
	assert.Equal(t, s.ID, again.ID)

	// A corrupted blob is detected and the partial file removed.
	for sum := range store {
		store[sum] = []byte("corrupt")
	}
	dest2 := filepath.Join(t.TempDir(), "wd")
	err := s.Materialize(context.Background(), dest2, store.open)
	assert.ErrorIs(t, err, ErrContentMismatch)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.Materialize(ctx, filepath.Join(t.TempDir(), "x"), store.open), context.Canceled)
}

func TestMaterializeRejectsUnsafeManifest(t *testing.T) {
	for name, files := range map[string][]File{
		"dotdot":        {{Path: "../x", Mode: 0o644, SHA256: sha(""), Size: 0}},
		"absolute link": {{Path: "l", Mode: fs.ModeSymlink | 0o777, LinkTarget: "/etc"}},
		"escaping link": {{Path: "l", Mode: fs.ModeSymlink | 0o777, LinkTarget: "../.."}},
		"through link": {
			{Path: "l", Mode: fs.ModeSymlink | 0o777, LinkTarget: "."},
			{Path: "l/x", Mode: 0o644, SHA256: sha(""), Size: 0},
		},
	} {
		s := &Snapshot{Files: files}
		store := blobStore{sha(""): nil}
		err := s.Materialize(context.Background(), t.TempDir(), store.open)
		assert.ErrorIs(t, err, ErrUnsafePath, name)
	}
}
