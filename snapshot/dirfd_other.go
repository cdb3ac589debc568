//go:build !(linux && (amd64 || arm64))

package snapshot

import (
	"os"
	"path/filepath"
)

// dirHandle reads a directory through package os where no raw fstatat is
// wired up.
type dirHandle struct{ path string }

// dirScratch is per-worker buffer space, reused from directory to directory.
type dirScratch struct{ listing }

func openDirHandle(path string) (dirHandle, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return dirHandle{}, err
	}
	if !fi.IsDir() {
		return dirHandle{}, &os.PathError{Op: "open", Path: path, Err: os.ErrInvalid}
	}
	return dirHandle{path: path}, nil
}

func (d dirHandle) close() {}

// list reads the directory's entry names into sc.listing, sorted.
func (d dirHandle) list(sc *dirScratch) error {
	f, err := os.Open(d.path)
	if err != nil {
		return err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return err
	}
	sc.reset()
	for _, n := range names {
		sc.add([]byte(n))
	}
	sc.sort()
	return nil
}

func (d dirHandle) lstat(name []byte, _ *dirScratch) (statInfo, error) {
	return lstat(filepath.Join(d.path, string(name)))
}
