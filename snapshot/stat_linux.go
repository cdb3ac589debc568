//go:build linux

package snapshot

import (
	"io/fs"
	"os"
	"syscall"
)

func statFromInfo(fi fs.FileInfo) statInfo {
	s := statInfo{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ctime = st.Ctim.Sec*1e9 + st.Ctim.Nsec
		s.ino = st.Ino
		s.dev = st.Dev
	}
	return s
}

// openNoFollow opens a file for reading, failing on a symlink, so a file
// swapped for a link between the walk and the read is never followed.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}
