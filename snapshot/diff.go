package snapshot

import "strings"

// Diff lists the paths that differ between two snapshots. Each list is
// sorted and covers every kind of entry (directories, files, symlinks).
type Diff struct {
	Added   []string // in the new snapshot only
	Changed []string // in both, with a different type, mode, size, content or symlink target
	Removed []string // in the previous snapshot only
}

// Empty reports whether the two snapshots have the same entries.
func (d Diff) Empty() bool {
	return len(d.Added) == 0 && len(d.Changed) == 0 && len(d.Removed) == 0
}

// Diff compares s with a previous snapshot (nil: everything is added). The
// added and changed regular files are the ones an incremental upload sends.
func (s *Snapshot) Diff(prev *Snapshot) Diff {
	var d Diff
	var prevFiles []File
	if prev != nil {
		prevFiles = prev.Files
	}
	diffEntries(prevFiles, s.Files, func(path string, p, c *File) {
		switch {
		case p == nil:
			d.Added = append(d.Added, path)
		case c == nil:
			d.Removed = append(d.Removed, path)
		default:
			d.Changed = append(d.Changed, path)
		}
	})
	return d
}

// diffEntries merges two path-sorted manifests and calls fn for each path
// added (prev == nil), removed (cur == nil) or changed.
func diffEntries(prevFiles, curFiles []File, fn func(path string, prev, cur *File)) {
	i, j := 0, 0
	for i < len(prevFiles) || j < len(curFiles) {
		switch {
		case j >= len(curFiles) || (i < len(prevFiles) && prevFiles[i].Path < curFiles[j].Path):
			fn(prevFiles[i].Path, &prevFiles[i], nil)
			i++
		case i >= len(prevFiles) || strings.Compare(prevFiles[i].Path, curFiles[j].Path) > 0:
			fn(curFiles[j].Path, nil, &curFiles[j])
			j++
		default:
			if prevFiles[i] != curFiles[j] {
				fn(curFiles[j].Path, &prevFiles[i], &curFiles[j])
			}
			i++
			j++
		}
	}
}
