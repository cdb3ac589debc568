//go:build !(linux && (amd64 || arm64))

package snapshot

import (
	"os"
	"path/filepath"
)

// dirHandle reads a directory through package os where no raw fstatat is
// wired up.
type dirHandle struct{ path string }

type dirScratch struct{}

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

// names lists the directory, returning prefix+name for each entry.
func (d dirHandle) names(_ *dirScratch, prefix string) ([]string, error) {
	f, err := os.Open(d.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	for i := range names {
		names[i] = prefix + names[i]
	}
	return names, err
}

func (d dirHandle) lstat(name string, _ *dirScratch) (statInfo, error) {
	return lstat(filepath.Join(d.path, name))
}
