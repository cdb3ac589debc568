// Command hdsched measures the sweep controller's scheduling: a sweep of 100 no-op trials,
// 4 at a time, on the local target, against 25 × the wall time of one no-op trial run alone
// (the median of plain Submit + WaitForCompletion runs of the same script). The target is
// sweep ≤ 1.25 × 25 × trial: the controller keeps 4 trials running with little idle time
// between one trial's end and the next one's launch. It also prints the sweep's CPU floor on
// this machine's cores, and a baseline with no SDK at all: the trial's bare Python process run
// the same number of times, as many at a time, by a plain worker pool, against 25 × one such
// process alone (what any scheduler gets for CPU-bound processes on these cores).
//
// Run it with: go run ./internal/bench/hdsched [-trials 100] [-concurrency 4] [-single 10]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/experiment/hyperdrive"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// noop is the trial: it reads its hyperparameter and logs the primary metric once.
const noop = "import sys, time\nfrom azureml.core import Run\ntime.sleep(%g)\nRun.get_context().log('score', float(sys.argv[2]))\n"

func main() {
	trials := flag.Int("trials", 100, "trials in the sweep")
	concurrency := flag.Int("concurrency", 4, "max concurrent trials")
	single := flag.Int("single", 10, "single-trial runs to take the median of")
	sleep := flag.Duration("sleep", 0, "how long each trial sleeps (0: a no-op trial)")
	profile := flag.String("cpuprofile", "", "write this process's CPU profile of the sweep here")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*trials, *concurrency, *single, *sleep); err != nil {
		fmt.Fprintln(os.Stderr, "hdsched:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(trials, concurrency, single int, sleep time.Duration) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "amlgo-hdsched-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// python3's real executable, not a version manager's shim in front of it (pyenv's are
	// shell scripts that cost more CPU than the trial).
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return fmt.Errorf("python3: %w", err)
	}
	python := strings.TrimSpace(string(out))
	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "noop.py"), []byte(fmt.Sprintf(noop, sleep.Seconds())), 0o644); err != nil {
		return err
	}
	ws, err := workspace.Open(filepath.Join(tmp, "ws"), nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "hdsched")
	if err != nil {
		return err
	}
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python
	src1 := runconfig.ScriptRunConfig{SourceDirectory: src, Script: "noop.py", RunConfig: rc}

	// One trial alone: the same script with the argument a child gets.
	alone := src1
	alone.Arguments = []any{"--x", "1"}
	var one []time.Duration
	for i := range single + 2 { // two warm-up runs
		t0 := time.Now()
		r, err := exp.Submit(ctx, alone, nil)
		if err != nil {
			return err
		}
		if _, err := r.WaitForCompletion(ctx, nil); err != nil {
			return err
		}
		if i >= 2 {
			one = append(one, time.Since(t0))
		}
	}
	slices.Sort(one)
	trial := one[len(one)/2]

	values := make([]any, trials)
	for i := range values {
		values[i] = i
	}
	sampling, err := hyperdrive.RandomParameterSampling(map[string]hyperdrive.ParameterExpression{"x": hyperdrive.Choice(values...)}, nil)
	if err != nil {
		return err
	}
	cfg := hyperdrive.Config{
		RunConfig: &src1, HyperparameterSampling: sampling,
		PrimaryMetricName: "score", PrimaryMetricGoal: hyperdrive.Maximize,
		MaxTotalRuns: trials, MaxConcurrentRuns: concurrency,
	}
	self0, kids0 := cpuUsed()
	t0 := time.Now()
	hd, err := hyperdrive.Submit(ctx, exp, cfg, nil)
	if err != nil {
		return err
	}
	if _, err := hd.WaitForCompletion(ctx, nil); err != nil {
		return err
	}
	sweep := time.Since(t0)
	self1, kids1 := cpuUsed()
	sdkCPU, trialsCPU := self1-self0, kids1-kids0
	sweepCPU := sdkCPU + trialsCPU
	n := 0
	for c, err := range hd.Run.Children(ctx) {
		if err != nil {
			return err
		}
		if st, _ := c.Status(ctx); st != experiment.StatusCompleted {
			return fmt.Errorf("child %s ended %s", c.ID(), st)
		}
		n++
	}
	if n != trials {
		return fmt.Errorf("the sweep made %d children, not %d", n, trials)
	}
	ideal := time.Duration(float64(trials) / float64(concurrency) * float64(trial))
	ratio := float64(sweep) / float64(ideal)
	fmt.Printf("one no-op trial alone (median of %d): %s\n", single, ms(trial))
	fmt.Printf("sweep of %d trials, %d at a time:       %s\n", trials, concurrency, ms(sweep))
	fmt.Printf("%d/%d × one trial:                       %s\n", trials, concurrency, ms(ideal))
	floor := sweepCPU / time.Duration(runtime.NumCPU())
	fmt.Printf("CPU of the sweep: %s (this process %s, the trials' processes %s, %s a trial); on %d cores the sweep cannot take less than %s\n",
		ms(sweepCPU), ms(sdkCPU), ms(trialsCPU), ms(trialsCPU/time.Duration(trials)), runtime.NumCPU(), ms(floor))
	fmt.Printf("ratio sweep / max(%d/%d × trial, CPU floor): %.2f\n", trials, concurrency, float64(sweep)/float64(max(ideal, floor)))
	fmt.Printf("ratio sweep / (%d/%d × trial): %.2f (target ≤ 1.25)\n", trials, concurrency, ratio)
	bOne, bAll, err := bare(python, tmp, trials, concurrency, single, sleep)
	if err != nil {
		return err
	}
	bIdeal := time.Duration(float64(trials) / float64(concurrency) * float64(bOne))
	fmt.Printf("baseline, no SDK: the trial's Python alone %s; %d of them, %d at a time, by a bare worker pool %s; ratio %.2f\n",
		ms(bOne), trials, concurrency, ms(bAll), float64(bAll)/float64(bIdeal))
	if ratio > 1.25 {
		return fmt.Errorf("the sweep took %.2f× the ideal, above 1.25×", ratio)
	}
	return nil
}

// cpuUsed is the CPU time of this process and of its reaped children so far. The trials'
// drivers are this process's children (they run detached, in their own session, but are
// reaped here).
func cpuUsed() (self, children time.Duration) {
	var s, k syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &s)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &k)
	return time.Duration(s.Utime.Nano() + s.Stime.Nano()), time.Duration(k.Utime.Nano() + k.Stime.Nano())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
