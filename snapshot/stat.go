package snapshot

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// statInfo is what the walk and the stat cache need to know about a file.
type statInfo struct {
	mode  fs.FileMode
	size  int64
	mtime int64 // ns since the epoch
	ctime int64 // ns since the epoch; 0 where the platform has none
	ino   uint64
	dev   uint64
}

// sameFile reports whether two stats describe the same, unmodified file.
func (a statInfo) sameFile(b statInfo) bool {
	return a.size == b.size && a.mtime == b.mtime && a.ctime == b.ctime &&
		a.ino == b.ino && a.dev == b.dev && a.mode.Type() == b.mode.Type()
}

// fstat stats an open file.
func fstat(f *os.File) (statInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return statInfo{}, err
	}
	return statFromInfo(fi), nil
}

// isNotDir reports a lookup through a path component that is not a directory.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
