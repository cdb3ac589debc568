package snapshot

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// defaultRacyWindow: a file whose mtime or ctime is this close to the start
// of a Take is hashed but not cached, because a later write in the same
// timestamp tick could leave its stat unchanged (git's "racy clean" problem).
// Two seconds covers filesystems with coarse timestamps.
const defaultRacyWindow = 2 * time.Second

// StatCache remembers the sha256 of files by their stat data (size, mtime,
// ctime, inode, device), so that taking a snapshot of an unchanged tree reads
// no file content. Pass it in Options.Cache. It is safe for concurrent use;
// the zero value is an empty cache. Entries are kept per snapshot root; a
// Take drops the entries of its root that it no longer sees.
type StatCache struct {
	mu    sync.RWMutex
	roots map[string]map[string]*cacheEntry // root -> rel path -> entry; inner maps are never mutated

	racyWindow    time.Duration // test hook; see window
	racyWindowSet bool
}

// cacheEntry is immutable once in a map, so concurrent Takes share it.
type cacheEntry struct {
	rel     string // the map key
	nameOff int    // rel[nameOff:] is the base name
	st      statInfo
	perm    fs.FileMode
	hex     string   // sha256 of the content
	digest  [32]byte // Merkle node digest (name, perm, content)
}

// newCacheEntry builds an entry, computing its node digest.
func newCacheEntry(rel string, st statInfo, perm fs.FileMode, sum *[32]byte, hexSum string) *cacheEntry {
	e := &cacheEntry{rel: rel, nameOff: strings.LastIndexByte(rel, '/') + 1, st: st, perm: perm, hex: hexSum}
	var buf []byte
	e.digest = fileDigest(&buf, rel[e.nameOff:], perm, sum)
	return e
}

// NewStatCache returns an empty cache.
func NewStatCache() *StatCache { return &StatCache{} }

func (c *StatCache) window() time.Duration {
	if c.racyWindowSet {
		return c.racyWindow
	}
	return defaultRacyWindow
}

// Len returns the number of cached files.
func (c *StatCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, m := range c.roots {
		n += len(m)
	}
	return n
}

// rootEntries returns the (immutable) entries of one root.
func (c *StatCache) rootEntries(root string) map[string]*cacheEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.roots[root]
}

// setRoot replaces the entries of one root.
func (c *StatCache) setRoot(root string, m map[string]*cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.roots == nil {
		c.roots = make(map[string]map[string]*cacheEntry)
	}
	if len(m) == 0 {
		delete(c.roots, root)
		return
	}
	c.roots[root] = m
}

// cacheFileV1 is the on-disk form written by Save.
type cacheFileV1 struct {
	Version int                                 `json:"version"`
	Roots   map[string]map[string]cacheRecordV1 `json:"roots"`
}

type cacheRecordV1 struct {
	Size   int64  `json:"s"`
	Mtime  int64  `json:"m"`
	Ctime  int64  `json:"c"`
	Ino    uint64 `json:"i"`
	Dev    uint64 `json:"d"`
	Perm   uint32 `json:"p"`
	SHA256 string `json:"h"`
}

// LoadStatCache reads a cache written by Save. A missing file gives an empty
// cache and no error.
func LoadStatCache(path string) (*StatCache, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewStatCache(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: loading stat cache: %w", err)
	}
	var f cacheFileV1
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("snapshot: loading stat cache %s: %w", path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("snapshot: loading stat cache %s: unsupported version %d", path, f.Version)
	}
	c := NewStatCache()
	c.roots = make(map[string]map[string]*cacheEntry, len(f.Roots))
	for root, recs := range f.Roots {
		m := make(map[string]*cacheEntry, len(recs))
		for rel, r := range recs {
			var sum [32]byte
			if len(r.SHA256) != 64 || r.Perm > 0o777 || checkRelPath(rel) != nil {
				continue
			}
			if _, err := hex.Decode(sum[:], []byte(r.SHA256)); err != nil {
				continue
			}
			st := statInfo{size: r.Size, mtime: r.Mtime, ctime: r.Ctime, ino: r.Ino, dev: r.Dev}
			m[rel] = newCacheEntry(rel, st, fs.FileMode(r.Perm), &sum, r.SHA256)
		}
		c.roots[root] = m
	}
	return c, nil
}

// Save writes the cache to path atomically (a temporary file renamed into
// place), with mode 0600.
func (c *StatCache) Save(path string) error {
	c.mu.RLock()
	f := cacheFileV1{Version: 1, Roots: make(map[string]map[string]cacheRecordV1, len(c.roots))}
	for root, m := range c.roots {
		recs := make(map[string]cacheRecordV1, len(m))
		for rel, e := range m {
			recs[rel] = cacheRecordV1{Size: e.st.size, Mtime: e.st.mtime, Ctime: e.st.ctime,
				Ino: e.st.ino, Dev: e.st.dev, Perm: uint32(e.perm), SHA256: e.hex}
		}
		f.Roots[root] = recs
	}
	c.mu.RUnlock()
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("snapshot: saving stat cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("snapshot: saving stat cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot: saving stat cache: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot: saving stat cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("snapshot: saving stat cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("snapshot: saving stat cache: %w", err)
	}
	return nil
}

// updateCache stores the hashes of the files whose stat data is old enough
// to be trusted, and drops entries of files no longer seen.
func (w *walker) updateCache(c *StatCache, old map[string]*cacheEntry, start time.Time) {
	if len(w.misses) == 0 && len(w.hits) == len(old) {
		return // every cached file seen unchanged, nothing new: keep the map
	}
	limit := start.Add(-c.window()).UnixNano()
	m := make(map[string]*cacheEntry, len(w.hits)+len(w.misses))
	for _, e := range w.hits {
		m[e.rel] = e
	}
	for _, n := range w.misses {
		if n.skip || n.hex == "" || n.st.mtime >= limit || n.st.ctime >= limit {
			continue
		}
		var sum [32]byte
		hex.Decode(sum[:], []byte(n.hex))
		m[n.rel] = newCacheEntry(n.rel, n.st, n.st.mode.Perm(), &sum, n.hex)
	}
	c.setRoot(w.root, m)
}
