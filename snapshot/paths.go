package snapshot

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// checkRelPath accepts only names that stay inside a destination: non-empty,
// slash-separated, relative, clean (no "", "." or ".." elements, no doubled
// or trailing slash) and without NUL bytes. Errors wrap ErrUnsafePath.
func checkRelPath(p string) error {
	switch {
	case p == "" || p == ".":
		return fmt.Errorf("%w: empty name", ErrUnsafePath)
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%w: %q contains a NUL byte", ErrUnsafePath, p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: %q is absolute", ErrUnsafePath, p)
	case p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/.."):
		return fmt.Errorf("%w: %q contains \"..\"", ErrUnsafePath, p)
	case path.Clean(p) != p:
		return fmt.Errorf("%w: %q is not a clean path", ErrUnsafePath, p)
	case !filepath.IsLocal(filepath.FromSlash(p)):
		return fmt.Errorf("%w: %q is not a local path", ErrUnsafePath, p)
	}
	return nil
}

// checkLinkTarget accepts a symlink target that is relative and, read
// lexically from the link's directory, stays inside the destination.
// (Targets that escape through other symlinks are caught by linkEscapes.)
func checkLinkTarget(name, target string) error {
	switch {
	case target == "":
		return fmt.Errorf("%w: symlink %q has an empty target", ErrUnsafePath, name)
	case strings.ContainsRune(target, 0):
		return fmt.Errorf("%w: symlink %q target contains a NUL byte", ErrUnsafePath, name)
	case strings.HasPrefix(target, "/") || filepath.IsAbs(filepath.FromSlash(target)) || filepath.VolumeName(filepath.FromSlash(target)) != "":
		return fmt.Errorf("%w: symlink %q has an absolute target %q", ErrUnsafePath, name, target)
	}
	j := path.Join(path.Dir(name), target)
	if j == ".." || strings.HasPrefix(j, "../") {
		return fmt.Errorf("%w: symlink %q target %q leaves the destination", ErrUnsafePath, name, target)
	}
	return nil
}
