//go:build linux && (amd64 || arm64)

package snapshot

import (
	"io/fs"
	"syscall"
	"unsafe"
)

// dirHandle is an open directory read with getdents(2) and stat'ed into
// with fstatat(2), so each entry costs one short path lookup and no
// allocation besides its name.
type dirHandle struct {
	fd   int
	path string
}

// dirScratch is per-worker buffer space, reused from directory to directory.
type dirScratch struct {
	dirents []byte
	listing
	cname []byte
}

func openDirHandle(path string) (dirHandle, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return dirHandle{}, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return dirHandle{fd: fd, path: path}, nil
	}
}

func (d dirHandle) close() { syscall.Close(d.fd) }

// list reads the directory's entry names (without "." and "..") into
// sc.listing, sorted.
func (d dirHandle) list(sc *dirScratch) error {
	if sc.dirents == nil {
		sc.dirents = make([]byte, 32<<10)
	}
	sc.reset()
	for {
		n, err := syscall.ReadDirent(d.fd, sc.dirents)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "readdirent", Path: d.path, Err: err}
		}
		if n <= 0 {
			sc.sort()
			return nil
		}
		// struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
		buf := sc.dirents[:n]
		for len(buf) >= 19 {
			reclen := int(buf[16]) | int(buf[17])<<8
			if reclen < 19 || reclen > len(buf) {
				return &fs.PathError{Op: "readdirent", Path: d.path, Err: syscall.EINVAL}
			}
			ino := uint64(buf[0]) | uint64(buf[1])<<8 | uint64(buf[2])<<16 | uint64(buf[3])<<24 |
				uint64(buf[4])<<32 | uint64(buf[5])<<40 | uint64(buf[6])<<48 | uint64(buf[7])<<56
			name := buf[19:reclen]
			if i := indexZero(name); i >= 0 {
				name = name[:i]
			}
			buf = buf[reclen:]
			if ino == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			sc.add(name)
		}
	}
}

func indexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// lstat stats the entry name of the directory without following symlinks.
func (d dirHandle) lstat(name []byte, sc *dirScratch) (statInfo, error) {
	sc.cname = append(append(sc.cname[:0], name...), 0)
	var st syscall.Stat_t
	for {
		_, _, e := syscall.Syscall6(sysFstatat, uintptr(d.fd), uintptr(unsafe.Pointer(&sc.cname[0])),
			uintptr(unsafe.Pointer(&st)), atSymlinkNoFollow, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return statInfo{}, &fs.PathError{Op: "lstat", Path: d.path + "/" + string(name), Err: e}
		}
		break
	}
	return statInfo{
		mode:  modeFromUnix(st.Mode),
		size:  st.Size,
		mtime: st.Mtim.Sec*1e9 + st.Mtim.Nsec,
		ctime: st.Ctim.Sec*1e9 + st.Ctim.Nsec,
		ino:   st.Ino,
		dev:   st.Dev,
	}, nil
}

const atSymlinkNoFollow = 0x100 // AT_SYMLINK_NOFOLLOW

// modeFromUnix converts st_mode to an fs.FileMode (type and permission bits).
func modeFromUnix(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & syscall.S_IFMT {
	case syscall.S_IFDIR:
		mode |= fs.ModeDir
	case syscall.S_IFLNK:
		mode |= fs.ModeSymlink
	case syscall.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		mode |= fs.ModeSocket
	case syscall.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		mode |= fs.ModeDevice
	case syscall.S_IFREG:
	default:
		mode |= fs.ModeIrregular
	}
	return mode
}
