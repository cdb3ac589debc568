package codeasset

import (
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/amlgo/amlgo/snapshot"
)

// maxLinkHops bounds symlink resolution inside a snapshot, like the kernel's ELOOP limit.
const maxLinkHops = 40

// FromSnapshot lists the files of a code asset taken from a snapshot, as azure-ai-ml lists a
// directory (os.walk with followlinks=True); open reads a regular file's content (for example
// from the snapshot's directory or from a content-addressed store keyed by File.SHA256).
//
// Directories are left out: azure-ai-ml hashes and uploads files only, and blob storage has no
// directories, so an empty directory is not part of a code asset.
//
// Symlinks are followed, because azure-ai-ml follows them: a link to a file is that file's
// content under the link's path, and a link to a directory contributes every file below the
// directory under the link's path. A snapshot records a link instead of its content (it keeps
// only links that stay inside the tree), so the target is resolved inside the snapshot, through
// further links. Three kinds of link are left out, where azure-ai-ml would fail or loop: a
// dangling link (including one whose target the ignore rules left out of the snapshot), a link
// to a directory that contains the link, and a link that closes a cycle of directory links.
func FromSnapshot(s *snapshot.Snapshot, open func(snapshot.File) (io.ReadCloser, error)) []File {
	r := &linkResolver{s: s, open: open, active: map[string]bool{}}
	var out []File
	for _, e := range s.Files {
		switch {
		case e.IsRegular():
			out = append(out, r.file(e.Path, e))
		case e.IsSymlink():
			r.expandLink(e.Path, e, &out)
		}
	}
	return out
}

type linkResolver struct {
	s      *snapshot.Snapshot
	open   func(snapshot.File) (io.ReadCloser, error)
	active map[string]bool // directories being expanded through a link
}

func (r *linkResolver) file(name string, e snapshot.File) File {
	open := r.open
	return File{Path: name, Size: e.Size, Open: func() (io.ReadCloser, error) { return open(e) }}
}

// expandLink appends what the link entry contributes under name.
func (r *linkResolver) expandLink(name string, link snapshot.File, out *[]File) {
	target, ok := r.resolve(link)
	if !ok {
		return
	}
	if target.IsRegular() {
		*out = append(*out, r.file(name, target))
		return
	}
	if !target.IsDir() {
		return
	}
	dir := target.Path
	if dir == "" || strings.HasPrefix(link.Path, dir+"/") || r.active[dir] {
		return // the directory contains the link, or is being expanded already: a cycle
	}
	r.active[dir] = true
	defer delete(r.active, dir)
	for _, e := range r.below(dir) {
		rel := name + e.Path[len(dir):]
		switch {
		case e.IsRegular():
			*out = append(*out, r.file(rel, e))
		case e.IsSymlink():
			r.expandLink(rel, e, out)
		}
	}
}

// below returns the entries under dir ("" is not passed), which sort contiguously.
func (r *linkResolver) below(dir string) []snapshot.File {
	files := r.s.Files
	prefix := dir + "/"
	i := sort.Search(len(files), func(i int) bool { return files[i].Path >= prefix })
	j := i
	for j < len(files) && strings.HasPrefix(files[j].Path, prefix) {
		j++
	}
	return files[i:j]
}

// lookup returns the entry at p; "" is the root directory.
func (r *linkResolver) lookup(p string) (snapshot.File, bool) {
	if p == "" {
		return snapshot.File{Mode: fs.ModeDir}, true
	}
	return r.s.Lookup(p)
}

// resolve follows link to the entry it finally names, resolving links in every component.
func (r *linkResolver) resolve(link snapshot.File) (snapshot.File, bool) {
	var stack []string
	if d := path.Dir(link.Path); d != "." {
		stack = strings.Split(d, "/")
	}
	queue := strings.Split(link.LinkTarget, "/")
	if strings.HasPrefix(link.LinkTarget, "/") {
		return snapshot.File{}, false
	}
	hops := 1
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return snapshot.File{}, false
			}
			stack = stack[:len(stack)-1]
			continue
		}
		cand := strings.Join(append(stack[:len(stack):len(stack)], c), "/")
		e, ok := r.lookup(cand)
		switch {
		case !ok:
			return snapshot.File{}, false
		case e.IsSymlink():
			if hops++; hops > maxLinkHops || strings.HasPrefix(e.LinkTarget, "/") {
				return snapshot.File{}, false
			}
			queue = append(strings.Split(e.LinkTarget, "/"), queue...)
		case e.IsDir():
			stack = append(stack, c)
		default:
			if len(queue) > 0 {
				return snapshot.File{}, false // a file used as a directory
			}
			stack = append(stack, c)
		}
	}
	return r.lookup(strings.Join(stack, "/"))
}
