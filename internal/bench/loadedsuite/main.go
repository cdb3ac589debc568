// Command loadedsuite runs the whole test suite several times in a row while busy-loop
// processes keep the cores loaded, and reports each run's result and wall time. It is the proof
// for issue 8 §2: no test depends on timing, so every run is green however loaded the machine.
//
// Run it from the repository root with:
//
//	go run ./internal/bench/loadedsuite [-runs 5] [-load 2] [-timeout 30m] [-keep-going]
//
// Each run is `go test -count=1 -timeout <timeout> ./...` with AMLGO_REQUIRE_INTEGRATION=1 (no
// integration test may skip). Its output goes to loadedsuite-<n>.log in the temporary
// directory. The busy loops (`sh -c 'while :; do :; done'`) are started before the first run and
// killed, by their pids, after the last. Without -keep-going it stops at the first failing run.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 5, "suite runs in a row")
	load := flag.Int("load", 2, "busy-loop processes kept running meanwhile")
	timeout := flag.Duration("timeout", 30*time.Minute, "go test -timeout of each run")
	keepGoing := flag.Bool("keep-going", false, "go on after a failing run")
	flag.Parse()

	var loaders []*exec.Cmd
	for range *load {
		c := exec.Command("sh", "-c", "while :; do :; done")
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "loadedsuite: start load:", err)
			os.Exit(2)
		}
		loaders = append(loaders, c)
	}
	stop := func() {
		for _, c := range loaders {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
	defer stop()

	failed := 0
	var total time.Duration
	for i := 1; i <= *runs; i++ {
		logPath := filepath.Join(os.TempDir(), fmt.Sprintf("loadedsuite-%d.log", i))
		start := time.Now()
		done := make(chan struct{})
		loads := make(chan []float64, 1)
		go sampleLoad(done, loads)
		out, err := runSuite(*timeout)
		took := time.Since(start)
		close(done)
		samples := <-loads
		total += took
		_ = os.WriteFile(logPath, out, 0o644)
		status := "PASS"
		if err != nil {
			status = "FAIL"
			failed++
		}
		fmt.Printf("run %d: %s in %v (1-min load average: mean %.1f, max %.1f) log %s\n",
			i, status, took.Round(time.Second), mean(samples), maxOf(samples), logPath)
		for _, l := range failures(out) {
			fmt.Println("    " + l)
		}
		if err != nil && !*keepGoing {
			break
		}
	}
	fmt.Printf("%d failing run(s); total %v\n", failed, total.Round(time.Second))
	if failed > 0 {
		stop()
		os.Exit(1)
	}
}

// runSuite runs the whole suite once and returns its combined output.
func runSuite(timeout time.Duration) ([]byte, error) {
	cmd := exec.Command("go", "test", "-count=1", "-timeout", timeout.String(), "./...")
	cmd.Env = append(os.Environ(), "AMLGO_REQUIRE_INTEGRATION=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// failures picks the lines naming failed tests and packages.
func failures(out []byte) []string {
	var fl []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "--- FAIL") || strings.HasPrefix(l, "FAIL") || strings.HasPrefix(l, "panic:") {
			fl = append(fl, l)
		}
	}
	return fl
}

// sampleLoad reads the 1-minute load average every 5 s until done is closed, then sends the
// samples.
func sampleLoad(done <-chan struct{}, out chan<- []float64) {
	var samples []float64
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile("/proc/loadavg"); err == nil {
			var l float64
			if _, err := fmt.Sscan(string(b), &l); err == nil {
				samples = append(samples, l)
			}
		}
		select {
		case <-done:
			out <- samples
			return
		case <-tick.C:
		}
	}
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func maxOf(xs []float64) float64 {
	var m float64
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
