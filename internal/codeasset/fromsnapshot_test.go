package codeasset

import (
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// linkTree writes a tree with every kind of symlink FromSnapshot handles. With cycles false it
// leaves out the links azure-ai-ml cannot hash (a dangling one, one to an ancestor).
func linkTree(t testing.TB, cycles bool) string {
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{
		"real/f.txt": []byte("F"), "real/sub/g.txt": []byte("GG"), "top.py": []byte("print()\n"),
	})
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "emptydir"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "a"), 0o755))
	links := map[string]string{
		"lf":    "real/f.txt",   // to a file
		"ld":    "real",         // to a directory
		"chain": "lf",           // to a link to a file
		"a/b":   "../real/sub",  // to a directory, from below
		"via":   "ld/sub/g.txt", // through a directory link
	}
	if cycles {
		links["real/up"] = ".."        // to an ancestor: would recurse forever
		links["dangling"] = "nope.txt" // to nothing
	}
	for name, target := range links {
		require.NoError(t, os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))))
	}
	return dir
}

func TestFromSnapshotFollowsLinksAndSkipsDirectories(t *testing.T) {
	files := diskFiles(t, linkTree(t, true))
	got := map[string]string{}
	for _, f := range files {
		r, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, r.Close())
		require.NoError(t, err)
		require.Equal(t, int64(len(b)), f.Size, f.Path)
		got[f.Path] = string(b)
	}
	assert.Equal(t, map[string]string{
		"real/f.txt": "F", "real/sub/g.txt": "GG", "top.py": "print()\n",
		"lf": "F", "chain": "F", "via": "GG",
		"ld/f.txt": "F", "ld/sub/g.txt": "GG", // ld/up (real/up seen through ld) closes a cycle
		"a/b/g.txt": "GG",
	}, got)
	names := paths(files)
	sort.Strings(names)
	assert.NotContains(t, names, "emptydir")
	assert.NotContains(t, names, "dangling")
	_, err := ContentHash(t.Context(), files)
	require.NoError(t, err)
}

func TestFromSnapshotMutualDirectoryLinks(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{"x/1.txt": []byte("1"), "y/2.txt": []byte("2")})
	require.NoError(t, os.Symlink("../y", filepath.Join(dir, "x", "toy")))
	require.NoError(t, os.Symlink("../x", filepath.Join(dir, "y", "tox")))
	names := paths(diskFiles(t, dir))
	sort.Strings(names)
	// Each link is followed until it would re-enter a directory being expanded.
	assert.Equal(t, []string{"x/1.txt", "x/toy/2.txt", "x/toy/tox/1.txt", "y/2.txt", "y/tox/1.txt", "y/tox/toy/2.txt"}, names)
}
