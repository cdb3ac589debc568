package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestTakeManifest(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"b.txt": "bee", "a/x.py": "print(1)\n", "a-b": "dash", "e/": ""})
	require.NoError(t, os.Chmod(filepath.Join(dir, "a/x.py"), 0o755))
	s := take(t, dir, nil)
	assert.Equal(t, []File{
		{Path: "a", Mode: fs.ModeDir | 0o755},
		{Path: "a-b", Size: 4, Mode: 0o644, SHA256: sha("dash")},
		{Path: "a/x.py", Size: 9, Mode: 0o755, SHA256: sha("print(1)\n")},
		{Path: "b.txt", Size: 3, Mode: 0o644, SHA256: sha("bee")},
		{Path: "e", Mode: fs.ModeDir | 0o755},
	}, s.Files, "sorted by path in byte order")
	assert.Equal(t, int64(16), s.TotalSize)
	assert.Len(t, s.ID, 64)
	abs, _ := filepath.Abs(dir)
	abs, _ = filepath.EvalSymlinks(abs)
	assert.Equal(t, abs, s.Root)
	assert.Equal(t, Stats{Files: 3, Dirs: 2, HashedFiles: 3, HashedBytes: 16}, s.Stats)
	f, ok := s.Lookup("a/x.py")
	assert.True(t, ok)
	assert.Equal(t, int64(9), f.Size)
	_, ok = s.Lookup("nope")
	assert.False(t, ok)
}

func TestTakeIDStableAndSensitive(t *testing.T) {
	base := map[string]string{"src/train.py": "print(1)\n", "src/util/u.py": "u", "README": "r", "empty/": "", "link": "->src/train.py"}
	mk := func(mutate func(dir string)) string {
		dir := t.TempDir()
		writeTree(t, dir, base)
		if mutate != nil {
			mutate(dir)
		}
		return take(t, dir, nil).ID
	}
	id := mk(nil)
	assert.Equal(t, id, mk(nil), "same tree in another directory, same ID")
	for name, mutate := range map[string]func(dir string){
		"content":       func(d string) { os.WriteFile(filepath.Join(d, "README"), []byte("R"), 0o644) },
		"file rename":   func(d string) { os.Rename(filepath.Join(d, "README"), filepath.Join(d, "README2")) },
		"dir rename":    func(d string) { os.Rename(filepath.Join(d, "src/util"), filepath.Join(d, "src/utils")) },
		"empty rename":  func(d string) { os.Rename(filepath.Join(d, "empty"), filepath.Join(d, "empty2")) },
		"file mode":     func(d string) { os.Chmod(filepath.Join(d, "README"), 0o600) },
		"dir mode":      func(d string) { os.Chmod(filepath.Join(d, "src/util"), 0o700) },
		"new empty dir": func(d string) { os.Mkdir(filepath.Join(d, "new"), 0o755) },
		"remove file":   func(d string) { os.Remove(filepath.Join(d, "src/util/u.py")) },
		"link target": func(d string) {
			os.Remove(filepath.Join(d, "link"))
			os.Symlink("README", filepath.Join(d, "link"))
		},
		"move file": func(d string) { os.Rename(filepath.Join(d, "src/util/u.py"), filepath.Join(d, "src/u.py")) },
	} {
		assert.NotEqual(t, id, mk(mutate), name)
	}
}

func TestTakeWorkerCountDoesNotMatter(t *testing.T) {
	dir := t.TempDir()
	tree := map[string]string{}
	for i := range 200 {
		tree[filepath.ToSlash(filepath.Join("d"+string(rune('a'+i%7)), "sub", "f"+strings.Repeat("x", i%5)+string(rune('a'+i%26))))] = strings.Repeat("z", i)
	}
	writeTree(t, dir, tree)
	one := take(t, dir, &Options{Workers: 1})
	many := take(t, dir, &Options{Workers: 8})
	assert.Equal(t, one.ID, many.ID)
	assert.Equal(t, one.Files, many.Files)
}

func TestTakeSymlinks(t *testing.T) {
	outside := t.TempDir()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"data/real.txt":  "real",
		"in_file":        "->data/real.txt",
		"in_dir":         "->data",
		"data/up":        "->../data/real.txt",
		"dangling":       "->data/missing",
		"self":           "->.",
		"out_rel":        "->../" + filepath.Base(outside),
		"out_abs":        "->" + outside,
		"abs_inside":     "->" + filepath.Join(dir, "data/real.txt"),
		"via_self":       "->self/..",
		"chain":          "->out_rel",
		"data/sneaky":    "->../in_dir/../..",
		"deep/er/escape": "->../../..",
	})
	s := take(t, dir, nil)
	links := map[string]string{}
	for _, f := range s.Files {
		if f.IsSymlink() {
			links[f.Path] = f.LinkTarget
			assert.Equal(t, fs.ModeSymlink|0o777, f.Mode)
			assert.Equal(t, int64(len(f.LinkTarget)), f.Size)
			assert.Empty(t, f.SHA256)
		}
	}
	assert.Equal(t, map[string]string{
		"in_file": "data/real.txt", "in_dir": "data", "data/up": "../data/real.txt",
		"dangling": "data/missing", "self": ".",
	}, links)
	skipped := map[string]bool{}
	for _, sk := range s.Skipped {
		skipped[sk.Path] = true
		assert.NotEmpty(t, sk.Reason)
	}
	for _, p := range []string{"out_rel", "out_abs", "abs_inside", "via_self", "chain", "data/sneaky", "deep/er/escape"} {
		assert.True(t, skipped[p], "%s must be skipped", p)
	}
	assert.NotContains(t, paths(s), "in_dir/real.txt", "links to directories are not followed")
	assert.Equal(t, 5, s.Stats.Symlinks)
}

func TestTakeUnreadableFileSkipped(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "a", "secret": "s"})
	orig := openForHash
	openForHash = func(path string) (*os.File, error) {
		if filepath.Base(path) == "secret" {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
		}
		return orig(path)
	}
	t.Cleanup(func() { openForHash = orig })
	s := take(t, dir, nil)
	assert.Equal(t, []string{"a.txt"}, paths(s))
	assert.Equal(t, []Skipped{{Path: "secret", Reason: "permission denied"}}, s.Skipped)
}

func TestTakeErrors(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f": "x"})
	_, err := Take(context.Background(), filepath.Join(dir, "f"), nil)
	assert.ErrorContains(t, err, "snapshot: ")
	assert.ErrorContains(t, err, "is not a directory")
	_, err = Take(context.Background(), filepath.Join(dir, "missing"), nil)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Take(ctx, dir, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, strings.HasPrefix(err.Error(), "snapshot: "))
}

func TestTakeDoesNotMutateOptions(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f": "x"})
	o := &Options{}
	take(t, dir, o)
	assert.Equal(t, &Options{}, o)
}

func TestTakeRootThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"real/a.txt": "a", "alias": "->real"})
	s := take(t, filepath.Join(dir, "alias"), nil)
	assert.Equal(t, []string{"a.txt"}, paths(s))
	assert.Equal(t, take(t, filepath.Join(dir, "real"), nil).ID, s.ID)

	// A relative directory works too.
	t.Chdir(dir)
	assert.Equal(t, s.ID, take(t, "real", nil).ID)
}

// TestManifestOrderTrickyNames: a directory's content sorts as "name/"
// among its siblings, for nodes and for cache hits alike.
func TestManifestOrderTrickyNames(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a/x": "1", "a-b": "2", "a.c/y": "3", "a0": "4", "a/b/c": "5", "a/b-c": "6", "a/b.d": "7",
		"é/x": "8", "z": "9", "A": "10", "a b": "11", "a/-": "12", "a/b/": "",
	})
	cache := testCache()
	cold := take(t, dir, &Options{Cache: cache})
	warm := take(t, dir, &Options{Cache: cache})
	assert.Equal(t, cold.Files, warm.Files)
	assert.Equal(t, cold.ID, warm.ID)
	got := make([]string, len(cold.Files))
	for i, f := range cold.Files {
		got[i] = f.Path
	}
	assert.True(t, slices.IsSorted(got), "%q", got)
	var m Snapshot
	data, err := cold.MarshalJSON()
	require.NoError(t, err)
	require.NoError(t, m.UnmarshalJSON(data))
	assert.Equal(t, cold.ID, m.ID, "tree digest and manifest digest agree")
}

// TestManifestOrderRandomTrees checks, on random trees of similar names,
// that Take's manifest is sorted, equal between cold and warm takes, and
// that its ID matches the manifest's Merkle root.
func TestManifestOrderRandomTrees(t *testing.T) {
	parts := []string{"a", "a-", "a.", "a0", "b", "a b", "é", "A", "a/", "a./", "a-/", "é/"}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		dir := t.TempDir()
		tree := map[string]string{}
		for i := range 40 {
			var p string
			for depth := rng.IntN(4); depth >= 0; depth-- {
				p += parts[rng.IntN(len(parts))]
			}
			if strings.HasSuffix(p, "/") {
				p += fmt.Sprint(i)
			}
			tree[p] = fmt.Sprint(i)
		}
		// Drop entries that collide with directories.
		for p := range tree {
			for q := range tree {
				if strings.HasPrefix(q, p+"/") {
					delete(tree, p)
				}
			}
		}
		writeTree(t, dir, tree)
		cache := testCache()
		cold := take(t, dir, &Options{Cache: cache})
		warm := take(t, dir, &Options{Cache: cache})
		require.Equal(t, cold.Files, warm.Files, "round %d", round)
		got := make([]string, len(cold.Files))
		for i, f := range cold.Files {
			got[i] = f.Path
		}
		require.True(t, slices.IsSorted(got), "round %d: %q", round, got)
		id, err := merkleRoot(cold.Files)
		require.NoError(t, err)
		require.Equal(t, id, cold.ID)
		require.Equal(t, id, warm.ID)
	}
}
