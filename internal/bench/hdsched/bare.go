package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// bareTrial is the no-op trial without amlgo: the same Python work minus the run context.
const bareTrial = "import sys, time\ntime.sleep(%g)\nprint('score', float(sys.argv[2]))\n"

// bare is the baseline of the scheduling target: the bare trial's process run directly by a
// pool of concurrency workers (no SDK, no driver, no store), against 1/concurrency × trials ×
// one such process alone. It shows what any scheduler of these processes gets on this machine's
// cores.
func bare(python, dir string, trials, concurrency, single int, sleep time.Duration) (one, all time.Duration, err error) {
	script := filepath.Join(dir, "bare.py")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(bareTrial, sleep.Seconds())), 0o644); err != nil {
		return 0, 0, err
	}
	runOne := func(i int) error {
		cmd := exec.Command(python, script, "--x", fmt.Sprint(i))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("bare trial: %v: %s", err, out)
		}
		return nil
	}
	var alone []time.Duration
	for i := range single + 2 { // two warm-up runs
		t0 := time.Now()
		if err := runOne(i); err != nil {
			return 0, 0, err
		}
		if i >= 2 {
			alone = append(alone, time.Since(t0))
		}
	}
	slices.Sort(alone)
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	t0 := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next { // a failed worker goes on taking trials, so the feed never blocks
				if err := runOne(i); err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	for i := range trials {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	return alone[len(alone)/2], time.Since(t0), nil
}
