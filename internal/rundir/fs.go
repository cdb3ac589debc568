package rundir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS is the file system a run directory lives on, as the run-directory observer sees it:
// local files for the local target, SFTP for a VM. Every method is a read; a missing file or
// directory reads as empty, never as an error.
type FS interface {
	// ReadFrom returns up to max bytes of name from offset off. size, when not negative, is the
	// file's size as last listed (RegularFiles), which saves asking for it.
	ReadFrom(ctx context.Context, name string, off int64, max int, size int64) ([]byte, error)
	// ReadSmall returns the content of a small file and whether it exists.
	ReadSmall(ctx context.Context, name string) ([]byte, bool, error)
	// Exists reports whether name exists.
	Exists(ctx context.Context, name string) (bool, error)
	// RegularFiles lists the regular files directly inside dir.
	RegularFiles(ctx context.Context, dir string) ([]FileEntry, error)
	// Join joins path elements with the file system's separator.
	Join(elem ...string) string
}

// FileEntry is a regular file of a directory listing.
type FileEntry struct {
	Name string
	Size int64
}

// OSFS is FS on this machine's files.
type OSFS struct{}

var _ FS = OSFS{}

// ReadFrom implements FS.
func (OSFS) ReadFrom(_ context.Context, name string, off int64, max int, _ int64) ([]byte, error) {
	return readFrom(name, off, max)
}

// ReadSmall implements FS.
func (OSFS) ReadSmall(_ context.Context, name string) ([]byte, bool, error) {
	b, err := os.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("compute: %w", err)
	}
	return b, true, nil
}

// Exists implements FS.
func (OSFS) Exists(_ context.Context, name string) (bool, error) {
	_, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("compute: %w", err)
	}
	return true, nil
}

// RegularFiles implements FS.
func (OSFS) RegularFiles(_ context.Context, dir string) ([]FileEntry, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("compute: reading %s: %w", dir, err)
	}
	var files []FileEntry
	for _, de := range entries {
		if !de.Type().IsRegular() {
			continue
		}
		size := int64(-1)
		if fi, err := de.Info(); err == nil {
			size = fi.Size()
		}
		files = append(files, FileEntry{Name: de.Name(), Size: size})
	}
	return files, nil
}

// Join implements FS.
func (OSFS) Join(elem ...string) string { return filepath.Join(elem...) }

// readFrom reads up to max bytes of path from off; a missing file reads as empty.
func readFrom(path string, off int64, max int) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	return readAtMost(f, fi.Size(), off, max)
}

// readAtMost reads up to max bytes at off from r, whose size is size.
func readAtMost(r io.ReaderAt, size, off int64, max int) ([]byte, error) {
	n := size - off
	if n <= 0 {
		return nil, nil
	}
	if n > int64(max) {
		n = int64(max)
	}
	buf := make([]byte, n)
	m, err := r.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("compute: %w", err)
	}
	return buf[:m], nil
}
