package testenv

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Patience is how long a test waits for an event that load can delay (a process starting, a line
// printed, a file written, a status reached). On two cores shared with other builds such events
// can come seconds late; a healthy test never gets near this bound, and a hung one still ends.
const Patience = 60 * time.Second

// Watch is an io.Writer that keeps everything written to it and lets a test wait for a text to
// appear, instead of sleeping and hoping it has. It is safe for concurrent use; the zero value
// is ready to use.
type Watch struct {
	mu      sync.Mutex
	b       bytes.Buffer
	waiters []watchWaiter
}

type watchWaiter struct {
	s  string
	ch chan struct{}
}

// Write appends p and wakes the waiters whose text has now appeared.
func (w *Watch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, _ := w.b.Write(p)
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if bytes.Contains(w.b.Bytes(), []byte(wt.s)) {
			close(wt.ch)
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
	return n, nil
}

// String returns everything written so far.
func (w *Watch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// Seen returns a channel that is closed once s has been written (at once if it already has).
func (w *Watch) Seen(s string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	if strings.Contains(w.b.String(), s) {
		close(ch)
		return ch
	}
	w.waiters = append(w.waiters, watchWaiter{s: s, ch: ch})
	return ch
}

// WaitFor blocks until s has been written, and fails t (from the test's goroutine) when it has
// not after limit.
func (w *Watch) WaitFor(t testing.TB, s string, limit time.Duration) {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-w.Seen(s):
	case <-timer.C:
		t.Fatalf("testenv: %q not written within %v; got:\n%s", s, limit, w.String())
	}
}
