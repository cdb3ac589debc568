package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
)

// LocksDir is the name of the directory of lock files inside a store directory.
const LocksDir = "locks"

// lockName is the rule for TryLock's names: they become file names.
var lockName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$`)

// TryLock takes the exclusive lock called name without waiting, for work that only one
// process (or goroutine) at a time may do on this store, such as driving a sweep. It
// reports false when another holder has it. The lock is an advisory lock (flock) on a file
// under the store's locks directory: it belongs to the open file, so two goroutines exclude
// each other as two processes do, and the kernel releases it when its holder dies, so a
// killed process never leaves it held. unlock releases it; calling unlock again does nothing.
func (s *Store) TryLock(name string) (unlock func(), ok bool, err error) {
	if !lockName.MatchString(name) {
		return nil, false, fmt.Errorf("store: invalid lock name %q", name)
	}
	dir := filepath.Join(s.dir, LocksDir)
	if err := mkdirPrivate(dir); err != nil {
		return nil, false, err
	}
	path := filepath.Join(dir, name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, false, fmt.Errorf("store: open lock %s: %w", name, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return nil, false, nil
	case err != nil:
		f.Close()
		return nil, false, fmt.Errorf("store: lock %s: %w", name, err)
	}
	var once sync.Once
	// The file stays: removing it could let a later holder lock an orphaned inode.
	return func() {
		once.Do(func() {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			_ = f.Close()
		})
	}, true, nil
}
