package snapshot

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// maxLinkHops bounds symlink resolution, like the kernel's ELOOP limit.
const maxLinkHops = 40

// linkLookup gives access to a tree by slash-separated relative paths.
type linkLookup interface {
	// lstat reports whether rel exists and whether it is a symlink.
	lstat(rel string) (exists, isLink bool, err error)
	readlink(rel string) (string, error)
}

// linkEscapes reports why the symlink at rel with the given target resolves
// outside the tree, or "" when it stays inside. Resolution follows the
// symlinks it meets inside the tree; a missing component ends the lookups
// and the rest of the target is resolved lexically.
func linkEscapes(t linkLookup, rel, target string) (string, error) {
	if target == "" {
		return "empty symlink target", nil
	}
	if strings.HasPrefix(target, "/") || strings.ContainsRune(target, 0) {
		return "symlink target is an absolute path", nil
	}
	var stack []string // resolved directory components
	if d := path.Dir(rel); d != "." {
		stack = strings.Split(d, "/")
	}
	queue := strings.Split(target, "/")
	hops := 0
	missing := false
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return "symlink leaves the source directory", nil
			}
			stack = stack[:len(stack)-1]
			continue
		}
		if missing {
			stack = append(stack, c)
			continue
		}
		cand := strings.Join(append(stack[:len(stack):len(stack)], c), "/")
		exists, isLink, err := t.lstat(cand)
		if err != nil {
			return "", err
		}
		switch {
		case !exists:
			missing = true
			stack = append(stack, c)
		case isLink:
			hops++
			if hops > maxLinkHops {
				return "too many levels of symlinks", nil
			}
			next, err := t.readlink(cand)
			if err != nil {
				return "", err
			}
			if next == "" {
				return "symlink chain has an empty target", nil
			}
			if strings.HasPrefix(next, "/") {
				return "symlink chain goes through an absolute path", nil
			}
			queue = append(strings.Split(next, "/"), queue...)
		default:
			stack = append(stack, c)
		}
	}
	return "", nil
}

// lookupFunc adapts lstat/readlink functions on slash paths to linkLookup.
type lookupFunc struct {
	lstatFn    func(rel string) (fs.FileInfo, error)
	readlinkFn func(rel string) (string, error)
}

func (l lookupFunc) lstat(rel string) (bool, bool, error) {
	fi, err := l.lstatFn(rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return false, false, nil
		}
		return false, false, err
	}
	return true, fi.Mode()&fs.ModeSymlink != 0, nil
}

func (l lookupFunc) readlink(rel string) (string, error) { return l.readlinkFn(rel) }
