package envbuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileLock is an exclusive advisory lock (flock) held on an open file.
// flock locks belong to the open file description, so two goroutines of
// the same process that each open the file exclude each other just like
// two processes do, and the kernel releases the lock if the holder dies.
type fileLock struct{ f *os.File }

// Lock-wait backoff bounds.
const (
	lockPollMin = 10 * time.Millisecond
	lockPollMax = 500 * time.Millisecond
)

// acquireFileLock takes an exclusive flock on path (created if missing),
// polling with LOCK_NB so that cancelling ctx ends the wait. onWait, when
// non-nil, is called once if the lock is busy on the first attempt.
func acquireFileLock(ctx context.Context, path string, onWait func()) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("envbuild: open lock file: %w", err)
	}
	delay := lockPollMin
	for first := true; ; first = false {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &fileLock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("envbuild: lock %s: %w", path, err)
		}
		if first && onWait != nil {
			onWait()
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("envbuild: waiting for lock %s: %w", path, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, lockPollMax)
	}
}

// release unlocks and closes the lock file. The file itself is left in
// place: removing it could let a waiter lock an orphaned inode.
func (l *fileLock) release() error {
	uerr := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	cerr := l.f.Close()
	return errors.Join(uerr, cerr)
}

// LockFile takes an exclusive advisory lock (flock) on path, created if missing, for work that
// other processes on this host must not do at the same time (a Docker image build); the kernel
// releases it if the holder dies. onWait, when non-nil, is called once if the lock is busy.
// Cancelling ctx ends the wait. The returned function releases the lock.
func LockFile(ctx context.Context, path string, onWait func()) (unlock func(), err error) {
	l, err := acquireFileLock(ctx, path, onWait)
	if err != nil {
		return nil, err
	}
	return func() { _ = l.release() }, nil
}
