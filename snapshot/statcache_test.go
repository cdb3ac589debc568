package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var cacheTree = map[string]string{"a.txt": "aaa", "sub/b.txt": "bbb", "sub/deeper/c.bin": "ccc", "l": "->a.txt", "e/": ""}

// TestWarmTakeReadsNoContent is the stat cache's promise: re-taking an
// unchanged tree opens no file for hashing.
func TestWarmTakeReadsNoContent(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, cacheTree)
	cache := testCache()
	opens := countOpens(t)
	cold := take(t, dir, &Options{Cache: cache})
	assert.Equal(t, int64(3), opens.Load())
	assert.Equal(t, 3, cache.Len())

	opens.Store(0)
	warm := take(t, dir, &Options{Cache: cache})
	assert.Zero(t, opens.Load(), "warm take must not read file content")
	assert.Equal(t, cold.ID, warm.ID)
	assert.Equal(t, cold.Files, warm.Files)
	assert.Equal(t, 3, warm.Stats.CacheHits)
	assert.Zero(t, warm.Stats.HashedFiles)
	assert.Zero(t, warm.Stats.HashedBytes)
}

func TestCacheDetectsChanges(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, cacheTree)
	cache := testCache()
	cold := take(t, dir, &Options{Cache: cache})
	opens := countOpens(t)

	// Same size, mtime put back: the ctime still changes.
	p := filepath.Join(dir, "sub/b.txt")
	fi, err := os.Stat(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte("BBB"), 0o644))
	require.NoError(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
	s := take(t, dir, &Options{Cache: cache})
	assert.Equal(t, int64(1), opens.Load(), "only the changed file is read")
	assert.NotEqual(t, cold.ID, s.ID)
	f, _ := s.Lookup("sub/b.txt")
	assert.Equal(t, sha("BBB"), f.SHA256)

	// Replaced by a new file (new inode) with identical stat times.
	opens.Store(0)
	tmp := filepath.Join(dir, "tmp")
	require.NoError(t, os.WriteFile(tmp, []byte("AAA"), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "a.txt")))
	s2 := take(t, dir, &Options{Cache: cache})
	assert.Equal(t, int64(1), opens.Load())
	f, _ = s2.Lookup("a.txt")
	assert.Equal(t, sha("AAA"), f.SHA256)

	// A mode change alone needs no read but changes the ID.
	opens.Store(0)
	require.NoError(t, os.Chmod(filepath.Join(dir, "sub/deeper/c.bin"), 0o600))
	s3 := take(t, dir, &Options{Cache: cache})
	assert.NotEqual(t, s2.ID, s3.ID)
	assert.LessOrEqual(t, opens.Load(), int64(1))
}

func TestCacheSkipsRacyFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, cacheTree)
	files := []string{"a.txt", "sub/b.txt", "sub/deeper/c.bin"}
	cache := NewStatCache() // default window: files written just now are racy
	take(t, dir, &Options{Cache: cache})
	assert.Zero(t, cache.Len(), "files modified within the racy window are not cached")

	// The window reaches back from the start of a Take. Instead of sleeping until the files'
	// times have aged past a real window, the test moves the window: a window w seen d later
	// is a window w-d now, so a negative window stands for a Take that comes after the window.
	window := func(w time.Duration) *StatCache { return &StatCache{racyWindow: w, racyWindowSet: true} }
	chtimes := func(mtime time.Time) {
		for _, p := range files {
			require.NoError(t, os.Chtimes(filepath.Join(dir, p), mtime, mtime))
		}
	}

	// Old mtimes, but Chtimes set the ctimes to now: a recent ctime alone makes a file racy.
	chtimes(time.Now().Add(-time.Hour))
	cache = window(time.Minute)
	take(t, dir, &Options{Cache: cache})
	assert.Zero(t, cache.Len(), "a ctime within the window is racy")
	// The same files taken after the window has passed.
	cache = window(-time.Second)
	take(t, dir, &Options{Cache: cache})
	assert.Equal(t, 3, cache.Len())

	// A recent mtime alone (here one in the future, an hour past the ctime) is racy too.
	chtimes(time.Now().Add(time.Hour))
	cache = window(-time.Second)
	take(t, dir, &Options{Cache: cache})
	assert.Zero(t, cache.Len(), "an mtime within the window is racy")
	cache = window(-2 * time.Hour)
	take(t, dir, &Options{Cache: cache})
	assert.Equal(t, 3, cache.Len())
}

func TestCacheForgetsRemovedFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, cacheTree)
	cache := testCache()
	take(t, dir, &Options{Cache: cache})
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "sub")))
	take(t, dir, &Options{Cache: cache})
	assert.Equal(t, 1, cache.Len())
}

func TestCacheSaveLoad(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, cacheTree)
	cache := testCache()
	cold := take(t, dir, &Options{Cache: cache})
	file := filepath.Join(t.TempDir(), "cache.json")
	require.NoError(t, cache.Save(file))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	loaded, err := LoadStatCache(file)
	require.NoError(t, err)
	assert.Equal(t, 3, loaded.Len())
	opens := countOpens(t)
	warm := take(t, dir, &Options{Cache: loaded})
	assert.Zero(t, opens.Load())
	assert.Equal(t, cold.ID, warm.ID)

	missing, err := LoadStatCache(filepath.Join(t.TempDir(), "none.json"))
	require.NoError(t, err)
	assert.Zero(t, missing.Len())
	require.NoError(t, os.WriteFile(file, []byte("{"), 0o600))
	_, err = LoadStatCache(file)
	assert.ErrorContains(t, err, "snapshot: ")
}

func TestCacheConcurrentTakes(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		writeTree(t, d, cacheTree)
	}
	var cache StatCache // the zero value works
	cache.racyWindow, cache.racyWindowSet = -time.Second, true
	var wg sync.WaitGroup
	ids := make([]string, 12)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Take(context.Background(), dirs[i%len(dirs)], &Options{Cache: &cache})
			if assert.NoError(t, err) {
				ids[i] = s.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	assert.Equal(t, 9, cache.Len())
}
