// Command localrun measures the local target's overhead and log latency:
//
//   - Submit → script start, and a whole no-op run (Submit + WaitForCompletion), against
//     running the same python3 directly, alternating in the same run; reports medians and the
//     median overhead;
//   - log latency: how long a line the script prints takes to reach WaitForCompletion's
//     ShowOutput writer (p50, p95, p99).
//
// Run it with: go run ./internal/bench/localrun [-n 30] [-lines 300]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"github.com/amlgo/amlgo/internal/bench/latency"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

const startScript = "import time\nprint(time.time_ns(), flush=True)\n"

func main() {
	n := flag.Int("n", 30, "runs per measurement")
	lines := flag.Int("lines", 300, "lines printed by the log-latency script")
	flag.Parse()
	if err := run(*n, *lines); err != nil {
		fmt.Fprintln(os.Stderr, "localrun:", err)
		os.Exit(1)
	}
}

func run(n, lines int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "amlgo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	python, err := exec.LookPath("python3")
	if err != nil {
		return err
	}
	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "start.py"), []byte(startScript), 0o644); err != nil {
		return err
	}
	linesScript := fmt.Sprintf("import time\nfor i in range(%d):\n    print(time.time_ns(), i, flush=True)\n    time.sleep(0.01)\n", lines)
	if err := os.WriteFile(filepath.Join(src, "lines.py"), []byte(linesScript), 0o644); err != nil {
		return err
	}
	ws, err := workspace.Open(filepath.Join(tmp, "ws"), nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "bench")
	if err != nil {
		return err
	}
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python

	var directStart, directWhole, amlStart, amlWhole []time.Duration
	for i := 0; i < n+2; i++ { // two warm-up rounds
		t0 := time.Now()
		out, err := exec.Command(python, filepath.Join(src, "start.py")).Output()
		if err != nil {
			return err
		}
		dWhole := time.Since(t0)
		dStart, err := sinceNanos(t0, out)
		if err != nil {
			return err
		}

		t0 = time.Now()
		r, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "start.py", RunConfig: rc}, nil)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &buf}); err != nil {
			return err
		}
		aWhole := time.Since(t0)
		var log bytes.Buffer
		if err := r.Logs(ctx, &log, nil); err != nil {
			return err
		}
		aStart, err := sinceNanos(t0, log.Bytes())
		if err != nil {
			return err
		}
		if i >= 2 {
			directStart, directWhole = append(directStart, dStart), append(directWhole, dWhole)
			amlStart, amlWhole = append(amlStart, aStart), append(amlWhole, aWhole)
		}
	}
	fmt.Printf("runs per measurement: %d (python %s)\n\n", n, python)
	fmt.Printf("%-32s %12s %12s %12s\n", "", "direct", "amlgo", "overhead")
	fmt.Printf("%-32s %12s %12s %12s\n", "median time to script start", ms(latency.Median(directStart)), ms(latency.Median(amlStart)), ms(latency.Median(amlStart)-latency.Median(directStart)))
	fmt.Printf("%-32s %12s %12s %12s\n", "median whole no-op run", ms(latency.Median(directWhole)), ms(latency.Median(amlWhole)), ms(latency.Median(amlWhole)-latency.Median(directWhole)))

	// Log latency.
	r, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "lines.py", RunConfig: rc}, nil)
	if err != nil {
		return err
	}
	lw := &latency.Writer{}
	if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: lw}); err != nil {
		return err
	}
	lat := lw.Latencies()
	if len(lat) != lines {
		return fmt.Errorf("log latency: saw %d of %d lines", len(lat), lines)
	}
	fmt.Printf("\nlog latency over %d lines: p50 %s  p95 %s  p99 %s  max %s\n", len(lat),
		ms(latency.Percentile(lat, 50)), ms(latency.Percentile(lat, 95)), ms(latency.Percentile(lat, 99)), ms(latency.Percentile(lat, 100)))
	return nil
}

// sinceNanos parses the first number the script printed (time.time_ns()) and returns how long
// after t0 that was.
func sinceNanos(t0 time.Time, out []byte) (time.Duration, error) {
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(first)
	if len(f) == 0 {
		return 0, fmt.Errorf("no timestamp in %q", out)
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Unix(0, ns).Sub(t0), nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
