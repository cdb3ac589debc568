//go:build !linux

package snapshot

import (
	"io/fs"
	"os"
)

func statFromInfo(fi fs.FileInfo) statInfo {
	return statInfo{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}

// openNoFollow opens a file for reading; it re-checks with Lstat where the
// platform has no O_NOFOLLOW in package os.
func openNoFollow(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	li, err := os.Lstat(path)
	if err != nil || !li.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = &fs.PathError{Op: "open", Path: path, Err: fs.ErrInvalid}
		}
		return nil, err
	}
	return f, nil
}
