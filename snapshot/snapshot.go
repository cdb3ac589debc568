package snapshot

import (
	"io/fs"
	"sort"
)

// File is one entry of a snapshot manifest: a regular file, a directory or a
// symlink.
type File struct {
	// Path is slash-separated and relative to the snapshot root, e.g. "src/train.py".
	Path string
	// Size is the content length of a regular file, the target length of a
	// symlink, and 0 for a directory.
	Size int64
	// Mode is the type (fs.ModeDir, fs.ModeSymlink, or none for a regular
	// file) plus the permission bits (0o777 for a symlink). Setuid, setgid
	// and sticky bits are not recorded.
	Mode fs.FileMode
	// SHA256 is the lowercase hex sha256 of a regular file's content (the key
	// of the content-addressed blob store); "" for directories and symlinks.
	SHA256 string
	// LinkTarget is a symlink's target as stored in the link; "" otherwise.
	LinkTarget string
}

// IsDir reports whether f is a directory.
func (f File) IsDir() bool { return f.Mode.IsDir() }

// IsRegular reports whether f is a regular file.
func (f File) IsRegular() bool { return f.Mode.IsRegular() }

// IsSymlink reports whether f is a symlink.
func (f File) IsSymlink() bool { return f.Mode&fs.ModeSymlink != 0 }

// Snapshot is the content of a source directory at one moment: a manifest
// sorted by path, and an ID that is the Merkle root of the tree.
type Snapshot struct {
	// ID is the lowercase hex sha256 Merkle root of the tree (see the package
	// documentation). Equal trees have equal IDs; any change of content, name,
	// mode, symlink target, or set of entries changes it.
	ID string
	// Root is the absolute directory the snapshot was taken of, with
	// symlinks resolved; "" for a snapshot loaded from a manifest.
	Root string
	// Files lists every entry (directories, including empty ones, regular
	// files and symlinks), sorted by Path (byte order).
	Files []File
	// TotalSize is the sum of the sizes of the regular files.
	TotalSize int64
	// IgnoreFile is the ignore file that was applied (".amlignore",
	// ".gitignore" or ""). Not part of the manifest.
	IgnoreFile string
	// Skipped lists what Take left out for safety rather than because of an
	// ignore rule: symlinks leaving the tree, special files, unreadable files.
	// Not part of the manifest.
	Skipped []Skipped
	// Stats tells how much work Take did. Not part of the manifest.
	Stats Stats
}

// Skipped is an entry Take left out, and why.
type Skipped struct {
	Path   string // slash-separated, relative to the root
	Reason string
}

// Stats counts the work done by Take.
type Stats struct {
	Files       int   // regular files in the snapshot
	Dirs        int   // directories in the snapshot (the root not counted)
	Symlinks    int   // symlinks in the snapshot
	HashedFiles int   // files whose content was read and hashed
	HashedBytes int64 // bytes read and hashed
	CacheHits   int   // files whose hash came from the stat cache
}

// Lookup returns the entry with the given path.
func (s *Snapshot) Lookup(path string) (File, bool) {
	i := sort.Search(len(s.Files), func(i int) bool { return s.Files[i].Path >= path })
	if i < len(s.Files) && s.Files[i].Path == path {
		return s.Files[i], true
	}
	return File{}, false
}
