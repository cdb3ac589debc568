package snapshot

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Options configures Take. A nil *Options means all defaults.
type Options struct {
	// Previous is the last snapshot of the same directory, if any. The file
	// limit counts the files added or changed since it; with no previous
	// snapshot every file counts.
	Previous *Snapshot
	// MaxSize is the size limit in bytes for the files kept after the
	// ignore rules: 0 means DefaultMaxSize (300 MiB), a negative value means
	// no limit.
	MaxSize int64
	// MaxFiles is the limit on added or changed files (regular files and
	// symlinks): 0 means DefaultMaxFiles (2000, or no limit when the
	// AML_SNAPSHOT_NO_FILE_LIMIT environment variable is set, as in
	// azureml-core), a negative value means no limit.
	MaxFiles int
	// Cache, when set, supplies the hashes of files whose stat data has not
	// changed and records the new ones.
	Cache *StatCache
	// Workers is the number of goroutines walking and hashing; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

func (o *Options) maxSize() int64 {
	switch {
	case o.MaxSize == 0:
		return DefaultMaxSize
	case o.MaxSize < 0:
		return -1
	}
	return o.MaxSize
}

func (o *Options) maxFiles() int64 {
	switch {
	case o.MaxFiles == 0:
		if os.Getenv(NoFileLimitEnv) != "" {
			return -1
		}
		return DefaultMaxFiles
	case o.MaxFiles < 0:
		return -1
	}
	return int64(o.MaxFiles)
}

type nodeKind uint8

const (
	kindDir nodeKind = iota
	kindFile
	kindLink
)

// node is one entry found by the walk.
type node struct {
	rel      string // slash-separated path relative to the root
	name     string // base name
	kind     nodeKind
	skip     bool // dropped after the walk (unreadable, vanished)
	st       statInfo
	hex      string   // content sha256 (files)
	target   string   // symlink target
	digest   [32]byte // Merkle node digest (files and symlinks; directories at the end)
	children []*node  // in name order
	cached   *cacheEntry
}

// Take snapshots dir: it walks the tree applying the root ignore file
// (.amlignore, else .gitignore) exactly as azureml-core does, checks the size
// and file limits, hashes the files (in parallel, streaming, skipping files
// the stat cache vouches for) and returns the manifest and its Merkle ID.
//
// The walk tests every path, directories included, against the ignore
// patterns (directories without a trailing slash) and does not descend into
// an ignored directory. Nothing is excluded implicitly. Symlinks are not
// followed: one that resolves inside dir is recorded as a symlink; one that
// leaves dir (or is absolute) is left out and listed in Snapshot.Skipped, as
// are special files (pipes, sockets, devices) and unreadable files.
//
// Limit violations return a *LimitError wrapping ErrSnapshotTooLarge or
// ErrTooManyFiles; the size is checked before any file is read.
func Take(ctx context.Context, dir string, opts *Options) (*Snapshot, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	start := time.Now()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("snapshot: %s is not a directory", dir)
	}
	// The directory itself may be reached through symlinks; below it,
	// nothing is followed.
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	matcher, err := LoadIgnore(abs)
	if err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	w := &walker{ctx: ctx, root: abs, matcher: matcher, workers: workers}
	var oldEntries map[string]*cacheEntry
	if o.Cache != nil {
		oldEntries = o.Cache.rootEntries(abs)
	}
	w.cache = oldEntries

	// Phase 1: walk and stat everything.
	rootNode := &node{kind: kindDir}
	if err := w.walk(rootNode); err != nil {
		return nil, err
	}
	var total int64
	for _, n := range w.files {
		total += n.st.size
	}
	nonDirs := int64(len(w.files) + len(w.links))
	if limit := o.maxSize(); limit >= 0 && total > limit {
		return nil, &LimitError{Dir: dir, Limit: limit, Value: total, err: ErrSnapshotTooLarge}
	}
	maxFiles := o.maxFiles()
	if maxFiles >= 0 && o.Previous == nil && nonDirs > maxFiles {
		return nil, &LimitError{Dir: dir, Limit: maxFiles, Value: nonDirs, err: ErrTooManyFiles}
	}

	// Phase 2: hash what the cache could not vouch for.
	if err := w.hashAll(); err != nil {
		return nil, err
	}

	// Phase 3: manifest, Merkle root, limits against the previous snapshot.
	s := &Snapshot{Root: abs, IgnoreFile: matcher.Source()}
	s.Files = make([]File, 0, len(w.files)+len(w.links)+len(w.dirs))
	collect(rootNode, &s.Files, &s.Stats)
	for _, n := range w.files {
		if !n.skip {
			s.TotalSize += n.st.size
		}
	}
	s.Stats.HashedFiles = w.hashedFiles
	s.Stats.HashedBytes = w.hashedBytes
	s.Stats.CacheHits = w.cacheHits
	s.Skipped = w.skipped
	slices.SortFunc(s.Skipped, func(a, b Skipped) int { return strings.Compare(a.Path, b.Path) })
	var buf []byte
	root := treeDigest(rootNode, &buf)
	s.ID = hex.EncodeToString(root[:])
	if o.Cache != nil {
		w.updateCache(o.Cache, oldEntries, start)
	}
	if limit := o.maxSize(); limit >= 0 && s.TotalSize > limit {
		// Files grew between the walk and the hashing.
		return nil, &LimitError{Dir: dir, Limit: limit, Value: s.TotalSize, err: ErrSnapshotTooLarge}
	}
	if maxFiles >= 0 {
		changed := int64(0)
		if o.Previous == nil {
			changed = int64(s.Stats.Files + s.Stats.Symlinks)
		} else {
			diffEntries(o.Previous.Files, s.Files, func(path string, prev, cur *File) {
				if cur != nil && !cur.IsDir() {
					changed++
				}
			})
		}
		if changed > maxFiles {
			return nil, &LimitError{Dir: dir, Limit: maxFiles, Value: changed, err: ErrTooManyFiles}
		}
	}
	return s, nil
}

// collect appends the manifest entries below n (n itself excluded) in path
// order. Children are in name order; a directory's own entry sorts by its
// name but its content sorts as name+"/" among its siblings (so "a",
// "a-b", "a/x"), hence the queue of pending subtrees.
func collect(n *node, out *[]File, st *Stats) {
	var pending []*node
	flush := func(before string, all bool) {
		for len(pending) > 0 && (all || lessDirKey(pending[0].name, before)) {
			d := pending[0]
			pending = pending[1:]
			collect(d, out, st)
		}
	}
	for _, c := range n.children {
		if c.skip {
			continue
		}
		flush(c.name, false)
		switch c.kind {
		case kindDir:
			*out = append(*out, File{Path: c.rel, Mode: fs.ModeDir | c.st.mode.Perm()})
			st.Dirs++
			pending = append(pending, c)
		case kindFile:
			*out = append(*out, File{Path: c.rel, Size: c.st.size, Mode: c.st.mode.Perm(), SHA256: c.hex})
			st.Files++
		case kindLink:
			*out = append(*out, File{Path: c.rel, Size: int64(len(c.target)), Mode: fs.ModeSymlink | 0o777, LinkTarget: c.target})
			st.Symlinks++
		}
	}
	flush("", true)
}

// lessDirKey reports whether name+"/" sorts before k.
func lessDirKey(name, k string) bool {
	if strings.HasPrefix(k, name) {
		return len(k) > len(name) && k[len(name)] > '/'
	}
	return name < k
}

// treeDigest computes the Merkle digests of the directories below n (file
// and symlink digests are already set) and returns n's.
func treeDigest(n *node, buf *[]byte) [32]byte {
	children := make([][32]byte, 0, len(n.children))
	for _, c := range n.children {
		if c.skip {
			continue
		}
		if c.kind == kindDir {
			c.digest = treeDigest(c, buf)
		}
		children = append(children, c.digest)
	}
	if n.rel == "" {
		return dirDigest(buf, "", 0, true, children)
	}
	return dirDigest(buf, n.name, n.st.mode, false, children)
}

// walker holds the state of one Take.
type walker struct {
	ctx     context.Context
	root    string // absolute
	matcher *IgnoreMatcher
	workers int
	cache   map[string]*cacheEntry // read-only

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*node
	pending int // directories queued or being read
	err     error

	// Results, merged from the workers under mu.
	files, links, dirs []*node
	misses             []*node
	skipped            []Skipped
	cacheHits          int
	hashedFiles        int
	hashedBytes        int64
}

// walkResult is one worker's share of the results.
type walkResult struct {
	files, links, dirs, misses []*node
	skipped                    []Skipped
	hits                       int
	scratch                    dirScratch
	digestBuf                  []byte
}

func (w *walker) abs(rel string) string {
	if rel == "" {
		return w.root
	}
	return w.root + string(filepath.Separator) + filepath.FromSlash(rel)
}

// walk reads every directory below root with w.workers goroutines.
func (w *walker) walk(root *node) error {
	w.cond = sync.NewCond(&w.mu)
	w.queue = []*node{root}
	w.pending = 1
	var wg sync.WaitGroup
	for range w.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var res walkResult
			w.walkWorker(&res)
			w.mu.Lock()
			w.files = append(w.files, res.files...)
			w.links = append(w.links, res.links...)
			w.dirs = append(w.dirs, res.dirs...)
			w.misses = append(w.misses, res.misses...)
			w.skipped = append(w.skipped, res.skipped...)
			w.cacheHits += res.hits
			w.mu.Unlock()
		}()
	}
	wg.Wait()
	return w.err
}

func (w *walker) walkWorker(res *walkResult) {
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && w.pending > 0 && w.err == nil {
			w.cond.Wait()
		}
		if w.err != nil || len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		d := w.queue[len(w.queue)-1]
		w.queue = w.queue[:len(w.queue)-1]
		w.mu.Unlock()

		var err error
		if cerr := w.ctx.Err(); cerr != nil {
			err = fmt.Errorf("snapshot: %w", cerr)
		} else {
			err = w.readDir(d, res)
		}

		w.mu.Lock()
		if err != nil && w.err == nil {
			w.err = err
		}
		w.pending--
		for _, c := range d.children {
			if c.kind == kindDir {
				w.queue = append(w.queue, c)
				w.pending++
			}
		}
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// readDir lists d, applies the ignore rules, stats the entries and fills
// d.children (in name order).
func (w *walker) readDir(d *node, res *walkResult) error {
	dirPath := w.abs(d.rel)
	h, err := openDirHandle(dirPath)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer h.close()
	prefix := ""
	if d.rel != "" {
		prefix = d.rel + "/"
	}
	rels, err := h.names(&res.scratch, prefix)
	if err != nil {
		return fmt.Errorf("snapshot: reading %s: %w", dirPath, err)
	}
	slices.Sort(rels) // same order as the names: they share the prefix
	d.children = make([]*node, 0, len(rels))
	slab := make([]node, 0, len(rels)) // one allocation for all the nodes
	for _, rel := range rels {
		name := rel[len(prefix):]
		if w.matcher.Match(rel) {
			continue
		}
		if !utf8.ValidString(name) {
			res.skipped = append(res.skipped, Skipped{Path: strings.ToValidUTF8(rel, "\uFFFD"), Reason: "name is not valid UTF-8"})
			continue
		}
		st, err := h.lstat(name, &res.scratch)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				res.skipped = append(res.skipped, Skipped{Path: rel, Reason: "removed during the snapshot"})
				continue
			}
			return fmt.Errorf("snapshot: %w", err)
		}
		slab = append(slab, node{rel: rel, name: name, st: st})
		n := &slab[len(slab)-1]
		switch {
		case st.mode.IsDir():
			n.kind = kindDir
			res.dirs = append(res.dirs, n)
		case st.mode.IsRegular():
			n.kind = kindFile
			res.files = append(res.files, n)
			if e := w.cache[rel]; e != nil && e.st.sameFile(st) {
				n.hex = e.hex
				n.cached = e
				if e.hasDigest && e.perm == st.mode.Perm() {
					n.digest = e.digest
				} else {
					n.digest = fileDigest(&res.digestBuf, name, st.mode, &e.sum)
				}
				res.hits++
			} else {
				res.misses = append(res.misses, n)
			}
		case st.mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(w.abs(rel))
			if err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
			target = filepath.ToSlash(target)
			reason, err := linkEscapes(w.lookup(), rel, target)
			if err != nil {
				return fmt.Errorf("snapshot: resolving symlink %s: %w", rel, err)
			}
			if reason != "" {
				res.skipped = append(res.skipped, Skipped{Path: rel, Reason: reason})
				continue
			}
			n.kind = kindLink
			n.target = target
			n.digest = linkDigest(&res.digestBuf, name, target)
			res.links = append(res.links, n)
		default:
			res.skipped = append(res.skipped, Skipped{Path: rel, Reason: "special file (" + describeType(st.mode) + ")"})
			continue
		}
		d.children = append(d.children, n)
	}
	return nil
}

func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "irregular file"
}

func (w *walker) lookup() linkLookup {
	return lookupFunc{
		lstatFn:    func(rel string) (fs.FileInfo, error) { return os.Lstat(w.abs(rel)) },
		readlinkFn: func(rel string) (string, error) { return os.Readlink(w.abs(rel)) },
	}
}

// updateCache stores the hashes of the files whose stat data is old enough
// to be trusted, and drops entries of files no longer seen.
func (w *walker) updateCache(c *StatCache, old map[string]*cacheEntry, start time.Time) {
	if len(w.misses) == 0 && w.cacheHits == len(old) && w.cacheHits == len(w.files) {
		return // every cached file seen unchanged, nothing new: keep the map
	}
	limit := start.Add(-c.window()).UnixNano()
	m := make(map[string]*cacheEntry, len(w.files))
	for _, n := range w.files {
		switch {
		case n.skip:
		case n.cached != nil:
			m[n.rel] = n.cached
		case n.hex != "" && n.st.mtime < limit && n.st.ctime < limit:
			e := &cacheEntry{st: n.st, hex: n.hex, perm: n.st.mode.Perm(), digest: n.digest, hasDigest: true}
			hex.Decode(e.sum[:], []byte(n.hex))
			m[n.rel] = e
		}
	}
	c.setRoot(w.root, m)
}
