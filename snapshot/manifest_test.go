package snapshot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"keep": "k", "change": "c", "mode": "m", "gone": "g", "d/x": "x", "l": "->keep"})
	prev := take(t, dir, nil)
	var all []string
	for _, f := range prev.Files {
		all = append(all, f.Path)
	}
	assert.Equal(t, Diff{Added: all}, prev.Diff(nil), "no previous snapshot: all added")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "change"), []byte("C"), 0o644))
	require.NoError(t, os.Chmod(filepath.Join(dir, "mode"), 0o600))
	require.NoError(t, os.Remove(filepath.Join(dir, "gone")))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "d")))
	require.NoError(t, os.Remove(filepath.Join(dir, "l")))
	require.NoError(t, os.Symlink("change", filepath.Join(dir, "l")))
	writeTree(t, dir, map[string]string{"new/y": "y"})
	cur := take(t, dir, nil)
	d := cur.Diff(prev)
	assert.Equal(t, []string{"new", "new/y"}, d.Added)
	assert.Equal(t, []string{"change", "l", "mode"}, d.Changed)
	assert.Equal(t, []string{"d", "d/x", "gone"}, d.Removed)
	assert.False(t, d.Empty())
	assert.True(t, cur.Diff(cur).Empty())
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a/b.txt": "b", "e/": "", "l": "->a/b.txt", "x": "xx"})
	s := take(t, dir, nil)
	data, err := json.Marshal(s)
	require.NoError(t, err)
	again, err := json.Marshal(take(t, dir, nil))
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again), "deterministic")
	assert.Contains(t, string(data), `{"path":"a/b.txt","type":"file","mode":"0644","size":1,"sha256":"`)
	assert.Contains(t, string(data), `{"path":"l","type":"symlink","target":"a/b.txt"}`)
	assert.Contains(t, string(data), `{"path":"e","type":"dir","mode":"0755"}`)

	var back Snapshot
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, s.ID, back.ID)
	assert.Equal(t, s.Files, back.Files)
	assert.Equal(t, s.TotalSize, back.TotalSize)
	assert.Empty(t, back.Root)
}

func TestManifestRejectsTampering(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a/b.txt": "b", "x": "xx"})
	data, err := json.Marshal(take(t, dir, nil))
	require.NoError(t, err)
	good := string(data)
	for name, mutate := range map[string]func(string) string{
		"id":        func(s string) string { return strings.Replace(s, `"id":"`, `"id":"0`, 1)[:len(s)] },
		"content":   func(s string) string { return strings.Replace(s, `"size":2`, `"size":3`, 1) },
		"dotdot":    func(s string) string { return strings.Replace(s, `"path":"x"`, `"path":"../x"`, 1) },
		"absolute":  func(s string) string { return strings.Replace(s, `"path":"x"`, `"path":"/x"`, 1) },
		"unclean":   func(s string) string { return strings.Replace(s, `"path":"a/b.txt"`, `"path":"a//b.txt"`, 1) },
		"no parent": func(s string) string { return strings.Replace(s, `"path":"a/b.txt"`, `"path":"c/b.txt"`, 1) },
		"version":   func(s string) string { return strings.Replace(s, `"version":1`, `"version":2`, 1) },
		"type":      func(s string) string { return strings.Replace(s, `"type":"file"`, `"type":"fifo"`, 1) },
		"mode":      func(s string) string { return strings.Replace(s, `"mode":"0644"`, `"mode":"4755"`, 1) },
		"not json":  func(s string) string { return s[:10] },
		"uppercase": func(s string) string { return strings.ToUpper(s) },
		"escape link": func(s string) string {
			return strings.Replace(s, `{"path":"x","type":"file"`, `{"path":"x","type":"symlink","target":"../../etc"`, 1)
		},
	} {
		var s Snapshot
		err := s.UnmarshalJSON([]byte(mutate(good)))
		assert.ErrorIs(t, err, ErrInvalidManifest, name)
	}
}
