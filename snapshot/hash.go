package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// hashBufSize is the read size for hashing: large enough to amortise the
// system calls, small enough to stay in cache.
const hashBufSize = 256 << 10

// maxHashAttempts bounds re-reads of a file that changes while it is hashed.
const maxHashAttempts = 3

// openForHash opens a file whose content Take reads. Tests replace it to
// count or forbid reads.
var openForHash = openNoFollow

// hashAll hashes w.misses with w.workers goroutines, largest files first.
func (w *walker) hashAll() error {
	if len(w.misses) == 0 {
		return nil
	}
	slices.SortFunc(w.misses, func(a, b *node) int {
		switch {
		case a.st.size > b.st.size:
			return -1
		case a.st.size < b.st.size:
			return 1
		}
		return 0
	})
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var failed atomic.Bool
	var wg sync.WaitGroup
	workers := min(w.workers, len(w.misses))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, hashBufSize)
			files, bytes := 0, int64(0)
			var skipped []Skipped
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(w.misses) {
					break
				}
				n := w.misses[i]
				read, reason, err := w.hashFile(n, buf)
				files++
				bytes += read
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					failed.Store(true)
					break
				}
				if reason != "" {
					n.skip = true
					skipped = append(skipped, Skipped{Path: n.rel, Reason: reason})
				}
			}
			w.mu.Lock()
			w.hashedFiles += files
			w.hashedBytes += bytes
			w.skipped = append(w.skipped, skipped...)
			w.mu.Unlock()
		}()
	}
	wg.Wait()
	return firstErr
}

// hashFile streams one file through sha256 and records its hash and stat.
// A file that cannot be read for lack of permission, or that vanished, is
// skipped (reason != ""), as azureml-core skips unreadable files.
func (w *walker) hashFile(n *node, buf []byte) (read int64, reason string, err error) {
	path := w.abs(n.rel)
	for attempt := 0; attempt < maxHashAttempts; attempt++ {
		f, err := openForHash(path)
		if err != nil {
			switch {
			case errors.Is(err, fs.ErrPermission):
				return read, "permission denied", nil
			case errors.Is(err, fs.ErrNotExist):
				return read, "removed during the snapshot", nil
			}
			return read, "", fmt.Errorf("snapshot: %w", err)
		}
		before, err := fstat(f)
		if err != nil {
			f.Close()
			return read, "", fmt.Errorf("snapshot: %w", err)
		}
		if !before.mode.IsRegular() {
			f.Close()
			return read, "", fmt.Errorf("snapshot: %s changed type during the snapshot", path)
		}
		h := sha256.New()
		size, err := w.copyHash(h, f, buf)
		read += size
		if err != nil {
			f.Close()
			return read, "", err
		}
		after, err := fstat(f)
		f.Close()
		if err != nil {
			return read, "", fmt.Errorf("snapshot: %w", err)
		}
		if size == after.size && before.sameFile(after) {
			var sum [32]byte
			h.Sum(sum[:0])
			n.st = after
			n.hex = hex.EncodeToString(sum[:])
			var buf []byte
			n.digest = fileDigest(&buf, n.name(), after.mode, &sum)
			return read, "", nil
		}
	}
	return read, "", fmt.Errorf("snapshot: %s kept changing while it was read", path)
}

// copyHash reads f to the end into h, checking for cancellation.
func (w *walker) copyHash(h io.Writer, f *os.File, buf []byte) (int64, error) {
	var total int64
	for {
		if err := w.ctx.Err(); err != nil {
			return total, fmt.Errorf("snapshot: %w", err)
		}
		k, err := f.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			total += int64(k)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("snapshot: %w", err)
		}
	}
}
