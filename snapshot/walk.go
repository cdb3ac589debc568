package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"
)

// walker holds the state of one Take.
type walker struct {
	ctx     context.Context
	root    string // absolute
	matcher *IgnoreMatcher
	// reincludes: the ignore file has "!" patterns, so a file below an ignored directory
	// can be one the patterns keep (see shadowDir).
	reincludes bool
	exclude    map[string]bool        // Options.Exclude
	workers    int                    // hashing goroutines
	walkers    int                    // directory-reading goroutines
	cache      map[string]*cacheEntry // read-only

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*node
	pending int // directories queued or being read
	err     error

	// Results, merged from the workers under mu.
	hits        []*cacheEntry // files whose stat matched the cache
	hitBytes    int64
	shadowBytes int64   // regular files below ignored directories that azureml's size check counts
	misses      []*node // files to hash
	links       []*node
	dirs        int
	skipped     []Skipped
	hashedFiles int
	hashedBytes int64
}

// walkResult is one worker's share of the results.
type walkResult struct {
	hits          []*cacheEntry
	hitBytes      int64
	shadowBytes   int64
	misses, links []*node
	dirs          int
	skipped       []Skipped
	scratch       dirScratch
	rel           []byte // scratch for building paths
	digestBuf     []byte
}

func (w *walker) abs(rel string) string {
	if rel == "" {
		return w.root
	}
	return w.root + string(filepath.Separator) + filepath.FromSlash(rel)
}

// walk reads every directory below root with w.walkers goroutines.
func (w *walker) walk(root *node) error {
	w.cond = sync.NewCond(&w.mu)
	w.queue = []*node{root}
	w.pending = 1
	var wg sync.WaitGroup
	for range w.walkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var res walkResult
			w.walkWorker(&res)
			w.mu.Lock()
			w.hits = append(w.hits, res.hits...)
			w.hitBytes += res.hitBytes
			w.shadowBytes += res.shadowBytes
			w.misses = append(w.misses, res.misses...)
			w.links = append(w.links, res.links...)
			w.dirs += res.dirs
			w.skipped = append(w.skipped, res.skipped...)
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
			if c.n != nil && c.n.kind == kindDir {
				w.queue = append(w.queue, c.n)
				w.pending++
			}
		}
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// readDir lists d, applies the ignore rules, stats the entries and fills
// d.children (in name order). A file the stat cache vouches for costs one
// fstatat and no allocation.
func (w *walker) readDir(d *node, res *walkResult) error {
	dirPath := w.abs(d.rel)
	h, err := openDirHandle(dirPath)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer h.close()
	sc := &res.scratch
	if err := h.list(sc); err != nil {
		return fmt.Errorf("snapshot: reading %s: %w", dirPath, err)
	}
	buf := res.rel[:0] // "<d.rel>/" then each name in turn
	if d.rel != "" {
		buf = append(append(buf, d.rel...), '/')
	}
	nameOff := len(buf)
	defer func() { res.rel = buf }()
	d.children = make([]child, 0, len(sc.spans))
	for i := range sc.spans {
		name := sc.name(i)
		buf = append(buf[:nameOff], name...)
		rel := view(buf) // valid until buf changes; copied when kept
		if w.exclude[rel] {
			continue
		}
		if w.matcher.Match(rel) {
			if w.reincludes {
				if err := w.shadowDir(h, name, rel, sc, res); err != nil {
					return err
				}
			}
			continue
		}
		if !utf8.Valid(name) {
			res.skipped = append(res.skipped, Skipped{Path: strings.ToValidUTF8(rel, "\uFFFD"), Reason: "name is not valid UTF-8"})
			continue
		}
		st, err := h.lstat(name, sc)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				res.skipped = append(res.skipped, Skipped{Path: strings.Clone(rel), Reason: "removed during the snapshot"})
				continue
			}
			return fmt.Errorf("snapshot: %w", err)
		}
		if st.mode.IsRegular() {
			if e := w.cache[rel]; e != nil && e.st.sameFile(st) && e.perm == st.mode.Perm() {
				d.children = append(d.children, child{e: e})
				res.hits = append(res.hits, e)
				res.hitBytes += e.st.size
				continue
			}
		}
		n := &node{rel: strings.Clone(rel), nameOff: nameOff, st: st}
		switch {
		case st.mode.IsDir():
			n.kind = kindDir
			res.dirs++
		case st.mode.IsRegular():
			n.kind = kindFile
			res.misses = append(res.misses, n)
		case st.mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(w.abs(n.rel))
			if err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
			target = filepath.ToSlash(target)
			reason, err := linkEscapes(w.lookup(), n.rel, target)
			if err != nil {
				return fmt.Errorf("snapshot: resolving symlink %s: %w", n.rel, err)
			}
			if reason != "" {
				res.skipped = append(res.skipped, Skipped{Path: n.rel, Reason: reason})
				continue
			}
			n.kind = kindLink
			n.target = target
			n.digest = linkDigest(&res.digestBuf, n.name(), target)
			res.links = append(res.links, n)
		default:
			res.skipped = append(res.skipped, Skipped{Path: n.rel, Reason: "special file (" + describeType(st.mode) + ")"})
			continue
		}
		d.children = append(d.children, child{n: n})
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
