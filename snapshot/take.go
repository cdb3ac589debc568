package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
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
	// runtime.GOMAXPROCS(0) hashing and four times as many walking.
	Workers int
	// Exclude lists slash-separated paths, relative to the directory, that are
	// left out (a directory with everything below it) on top of the ignore
	// file: for a tool's own state inside the source directory, such as an
	// amlgo workspace. It is not an ignore pattern: each entry names one path.
	Exclude []string
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

// node is a directory, a symlink, or a regular file whose content the walk
// could not take from the stat cache.
type node struct {
	rel      string // slash-separated path relative to the root
	nameOff  int    // rel[nameOff:] is the base name
	kind     nodeKind
	skip     bool // dropped after the walk (unreadable, vanished)
	st       statInfo
	hex      string   // content sha256 (files)
	target   string   // symlink target
	digest   [32]byte // Merkle node digest (files and symlinks; directories at the end)
	children []child  // directories: the entries in name order
}

func (n *node) name() string { return n.rel[n.nameOff:] }

// child is one directory entry: a node, or (e set) a regular file known
// unchanged from the stat cache, whose immutable entry says everything.
type child struct {
	n *node
	e *cacheEntry
}

func (c child) name() string {
	if c.e != nil {
		return c.e.rel[c.e.nameOff:]
	}
	return c.n.name()
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
// ErrTooManyFiles; the size is checked before any file is read. As in
// azureml-core, the size counts the files a "!" pattern re-includes below an
// ignored directory, although the snapshot does not contain them.
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
	workers, walkers := o.Workers, o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
		// Directory reads and stats block on I/O when the inode cache is
		// cold; more walkers keep more requests in flight.
		walkers = 4 * workers
	}
	w := &walker{ctx: ctx, root: abs, matcher: matcher, reincludes: matcher.reincludes(), workers: workers, walkers: walkers, exclude: excludeSet(o.Exclude)}
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
	// The size check counts what azureml's does: the files kept, plus those below ignored
	// directories that the patterns re-include (see shadowDir).
	total := w.hitBytes + w.shadowBytes
	for _, n := range w.misses {
		total += n.st.size
	}
	nonDirs := int64(len(w.hits) + len(w.misses) + len(w.links))
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
	s.Files = make([]File, 0, int(nonDirs)+w.dirs)
	collect(rootNode, &s.Files, &s.Stats)
	for _, f := range s.Files {
		s.TotalSize += f.Size * int64(boolInt(f.IsRegular()))
	}
	s.Stats.HashedFiles = w.hashedFiles
	s.Stats.HashedBytes = w.hashedBytes
	s.Stats.CacheHits = len(w.hits)
	s.Skipped = w.skipped
	slices.SortFunc(s.Skipped, func(a, b Skipped) int { return strings.Compare(a.Path, b.Path) })
	var buf []byte
	root := treeDigest(rootNode, &buf)
	s.ID = hex.EncodeToString(root[:])
	if o.Cache != nil {
		w.updateCache(o.Cache, oldEntries, start)
	}
	if limit := o.maxSize(); limit >= 0 && s.TotalSize+w.shadowBytes > limit {
		// Files grew between the walk and the hashing.
		return nil, &LimitError{Dir: dir, Limit: limit, Value: s.TotalSize + w.shadowBytes, err: ErrSnapshotTooLarge}
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
// order. Children are in name order, but a directory's content sorts as the
// block name+"/" among its siblings ("a", "a-b", "a.c", "a.c/y", "a/x",
// "a0"), so subtrees wait in a list ordered by that key until the next
// sibling name passes it.
func collect(n *node, out *[]File, st *Stats) {
	type subtree struct {
		key string // name + "/"
		n   *node
	}
	var pending []subtree
	flush := func(before string, all bool) {
		for len(pending) > 0 && (all || pending[0].key < before) {
			d := pending[0].n
			pending = pending[1:]
			collect(d, out, st)
		}
	}
	for _, ch := range n.children {
		if e := ch.e; e != nil {
			flush(ch.name(), false)
			*out = append(*out, File{Path: e.rel, Size: e.st.size, Mode: e.perm, SHA256: e.hex})
			st.Files++
			continue
		}
		c := ch.n
		if c.skip {
			continue
		}
		flush(c.name(), false)
		switch c.kind {
		case kindDir:
			*out = append(*out, File{Path: c.rel, Mode: fs.ModeDir | c.st.mode.Perm()})
			st.Dirs++
			key := c.name() + "/"
			i, _ := slices.BinarySearchFunc(pending, key, func(p subtree, k string) int { return strings.Compare(p.key, k) })
			pending = slices.Insert(pending, i, subtree{key, c})
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// treeDigest computes the Merkle digests of the directories below n (file
// and symlink digests are already known) and returns n's.
func treeDigest(n *node, buf *[]byte) [32]byte {
	for _, ch := range n.children {
		if c := ch.n; c != nil && !c.skip && c.kind == kindDir {
			c.digest = treeDigest(c, buf)
		}
	}
	var b []byte
	if n.rel == "" {
		b = append((*buf)[:0], "root\x00"...)
	} else {
		b = appendHeader((*buf)[:0], "dir", n.name(), n.st.mode)
	}
	for _, ch := range n.children {
		switch {
		case ch.e != nil:
			b = append(b, ch.e.digest[:]...)
		case !ch.n.skip:
			b = append(b, ch.n.digest[:]...)
		}
	}
	*buf = b
	return sha256.Sum256(b)
}

// excludeSet turns Options.Exclude into a set of clean relative paths.
func excludeSet(paths []string) map[string]bool {
	if len(paths) == 0 {
		return nil
	}
	set := make(map[string]bool, len(paths))
	for _, p := range paths {
		if p = path.Clean(strings.Trim(p, "/")); p != "." && p != "" {
			set[p] = true
		}
	}
	return set
}
