package testenv

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestWatchSeen(t *testing.T) {
	var w Watch
	before := w.Seen("ready")
	select {
	case <-before:
		t.Fatal("seen before anything was written")
	default:
	}
	fmt.Fprint(&w, "rea")
	select {
	case <-before:
		t.Fatal("seen on a prefix")
	default:
	}
	fmt.Fprint(&w, "dy\n") // split across writes
	<-before
	<-w.Seen("ready") // already written: closed at once
	w.WaitFor(t, "y\n", time.Second)
	if got := w.String(); got != "ready\n" {
		t.Fatalf("String() = %q", got)
	}
}

func TestWatchConcurrentWriters(t *testing.T) {
	var w Watch
	seen := w.Seen("writer 7 done")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&w, "writer %d line %d\n", i, j)
			}
			fmt.Fprintf(&w, "writer %d done\n", i)
		})
	}
	wg.Wait()
	<-seen
}

func TestWatchWaitForFailsAfterLimit(t *testing.T) {
	var w Watch
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.WaitFor(ft, "never", 10*time.Millisecond)
	}()
	<-done
	if !ft.failed {
		t.Fatal("WaitFor did not fail")
	}
}

// fakeT records a Fatalf instead of failing the real test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
