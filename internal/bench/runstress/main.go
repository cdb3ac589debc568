// Command runstress submits many short local runs at once from two processes while other
// processes keep every core busy, and counts the runs recorded as anything but Completed. It is
// the proof for issue 8 §1: a run whose script succeeded must never be recorded as Failed
// ("execution lost") because the SDK looked at its driver while the kernel was still inside
// execve, and a cancel right after Submit must be carried out by the driver, not guessed at.
//
// It also probes the two ways of telling whether a just-started driver is alive: its command
// line (/proc/<pid>/cmdline, what amlgo used before) and its identity (pid + start time from
// /proc/<pid>/stat, what amlgo uses now), right after exec.Cmd.Start.
//
// Run it with: go run ./internal/bench/runstress [-rounds 5] [-runs 200] [-concurrency 16]
// [-load 0 (= one busy process per core)] [-cancels 20] [-probe 300]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

const script = "from azureml.core import Run\nrun = Run.get_context()\nrun.log('id', run.id)\nprint('hello from', run.id)\n"

// cancelScript would run long: the runs that get it are canceled right after Submit.
const cancelScript = "import time\nprint('started', flush=True)\ntime.sleep(60)\n"

func main() {
	rounds := flag.Int("rounds", 5, "rounds")
	runs := flag.Int("runs", 200, "runs per round, split between the two submitting processes")
	conc := flag.Int("concurrency", 16, "runs in flight at once, split between the two processes")
	load := flag.Int("load", 0, "busy-looping processes that load the machine (0 = one per core)")
	cancels := flag.Int("cancels", 20, "runs per round canceled right after Submit (on top of -runs)")
	probe := flag.Int("probe", 300, "processes started to compare the cmdline and identity liveness checks")
	worker := flag.String("worker", "", "internal: run as the second submitting process with this workspace")
	src := flag.String("src", "", "internal: source directory (worker mode)")
	busy := flag.Bool("busy", false, "internal: spin forever (load mode)")
	flag.Parse()

	switch {
	case *busy:
		spin()
	case *worker != "":
		res, err := submit(*worker, *src, *runs, *conc, *cancels)
		if err != nil {
			fmt.Fprintln(os.Stderr, "runstress worker:", err)
			os.Exit(1)
		}
		fmt.Println(res.line())
		return
	}
	if err := run(*rounds, *runs, *conc, *load, *cancels, *probe); err != nil {
		fmt.Fprintln(os.Stderr, "runstress:", err)
		os.Exit(1)
	}
}

func spin() {
	x := uint64(1)
	for {
		x = x*6364136223846793005 + 1442695040888963407
		if x == 0 {
			fmt.Println(x)
		}
	}
}

func run(rounds, runs, conc, load, cancels, probeN int) error {
	tmp, err := os.MkdirTemp("", "amlgo-runstress-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if load <= 0 {
		load = runtime.NumCPU()
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var loaders []*exec.Cmd
	for range load {
		c := exec.Command(self, "-busy")
		if err := c.Start(); err != nil {
			return err
		}
		loaders = append(loaders, c)
	}
	defer func() {
		for _, c := range loaders {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}()
	fmt.Printf("runstress: %d rounds × (%d runs + %d canceled), %d in flight from two processes, %d busy processes on %d cores\n",
		rounds, runs, cancels, conc, load, runtime.NumCPU())

	if probeN > 0 {
		if err := probeLiveness(tmp, probeN); err != nil {
			return err
		}
	}

	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "s.py"), []byte(script), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "long.py"), []byte(cancelScript), 0o644); err != nil {
		return err
	}
	var total result
	for r := 1; r <= rounds; r++ {
		ws := filepath.Join(tmp, fmt.Sprintf("ws%d", r))
		t0 := time.Now()
		half, halfConc, halfCancels := runs/2, max(conc/2, 1), cancels/2
		w := exec.Command(self, "-worker", ws, "-src", src, "-runs", strconv.Itoa(runs-half),
			"-concurrency", strconv.Itoa(max(conc-halfConc, 1)), "-cancels", strconv.Itoa(cancels-halfCancels))
		var wout bytes.Buffer
		w.Stdout, w.Stderr = &wout, &wout
		if err := w.Start(); err != nil {
			return err
		}
		mine, err := submit(ws, src, half, halfConc, halfCancels)
		werr := w.Wait()
		if err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
		if werr != nil {
			return fmt.Errorf("round %d: worker: %v: %s", r, werr, wout.String())
		}
		theirs, err := parseLine(strings.TrimSpace(wout.String()))
		if err != nil {
			return fmt.Errorf("round %d: worker said %q: %w", r, wout.String(), err)
		}
		// Count again from the store: the runs as recorded, whichever process recorded them.
		recorded, err := countRecorded(ws)
		if err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
		round := mine.add(theirs)
		fmt.Printf("round %d: %s; recorded in the store: %s (%.1fs)\n", r, round.line(), recorded, time.Since(t0).Seconds())
		for _, bad := range round.bad {
			fmt.Println("  not as expected:", bad)
		}
		total = total.add(round)
	}
	fmt.Printf("total: %s\n", total.line())
	if len(total.bad) > 0 {
		return fmt.Errorf("%d runs were not recorded as expected", len(total.bad))
	}
	return nil
}

// result counts outcomes: normal runs must end Completed, canceled ones Canceled by the driver.
type result struct {
	completed, canceled int
	bad                 []string
}

func (r result) add(o result) result {
	return result{r.completed + o.completed, r.canceled + o.canceled, append(append([]string(nil), r.bad...), o.bad...)}
}

func (r result) line() string {
	s := fmt.Sprintf("completed=%d canceled=%d unexpected=%d", r.completed, r.canceled, len(r.bad))
	for _, b := range r.bad {
		s += "\n" + b
	}
	return s
}

func parseLine(s string) (result, error) {
	lines := strings.Split(s, "\n")
	var r result
	var n int
	if _, err := fmt.Sscanf(lines[0], "completed=%d canceled=%d unexpected=%d", &r.completed, &r.canceled, &n); err != nil {
		return r, err
	}
	r.bad = lines[1:]
	if len(r.bad) != n {
		return r, fmt.Errorf("%d unexpected runs, %d described", n, len(r.bad))
	}
	return r, nil
}

// submit submits n runs (conc at a time) and cancels more right after their Submit, and checks
// each outcome.
func submit(wsDir, src string, n, conc, cancels int) (result, error) {
	ctx := context.Background()
	ws, err := workspace.Open(wsDir, nil)
	if err != nil {
		return result{}, err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "stress")
	if err != nil {
		return result{}, err
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		return result{}, err
	}
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python

	var mu sync.Mutex
	var res result
	// true: cancel right after Submit; the canceled runs are spread evenly among the others.
	plan := make([]bool, n+cancels)
	for k := range cancels {
		plan[k*(n+cancels)/cancels] = true
	}
	jobs := make(chan bool, len(plan))
	for _, c := range plan {
		jobs <- c
	}
	close(jobs)
	var wg sync.WaitGroup
	var firstErr error
	for range conc {
		wg.Go(func() {
			for cancel := range jobs {
				s := "s.py"
				if cancel {
					s = "long.py"
				}
				run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: s, RunConfig: rc}, nil)
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
				if cancel {
					if err := run.Cancel(ctx); err != nil {
						mu.Lock()
						res.bad = append(res.bad, fmt.Sprintf("%s: cancel: %v", run.ID(), err))
						mu.Unlock()
						continue
					}
				}
				d, _ := run.WaitForCompletion(ctx, nil)
				mu.Lock()
				switch {
				case d == nil:
					res.bad = append(res.bad, run.ID()+": no details")
				case !cancel && d.Status == experiment.StatusCompleted:
					res.completed++
				case cancel && d.Status == experiment.StatusCanceled && d.ExitCode != nil && *d.ExitCode != 137:
					res.canceled++ // 143 (never started) or the script's own: the driver recorded it
				default:
					code := "none"
					if d.ExitCode != nil {
						code = strconv.Itoa(*d.ExitCode)
					}
					res.bad = append(res.bad, fmt.Sprintf("%s (cancel=%v): %s exit=%s %s", run.ID(), cancel, d.Status, code, d.Error))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sort.Strings(res.bad)
	return res, firstErr
}

// countRecorded reads the statuses of every run in the workspace.
func countRecorded(wsDir string) (string, error) {
	ctx := context.Background()
	ws, err := workspace.Open(wsDir, nil)
	if err != nil {
		return "", err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "stress")
	if err != nil {
		return "", err
	}
	counts := map[experiment.Status]int{}
	for r, err := range exp.Runs(ctx, nil) {
		if err != nil {
			return "", err
		}
		st, err := r.Status(ctx)
		if err != nil {
			return "", err
		}
		counts[st]++
	}
	var parts []string
	for st, n := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", st, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " "), nil
}

// probeLiveness starts n short bash processes, as the local target starts its driver, and right
// after each Start asks both liveness checks whether the process runs (it does: it sleeps).
func probeLiveness(tmp string, n int) error {
	marker := filepath.Join(tmp, "probe-marker-dir")
	var cmdlineMiss, identityMiss int
	for range n {
		c := exec.Command("bash", "-c", "sleep 0.2", "bash", marker)
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := c.Start(); err != nil {
			return err
		}
		pid := c.Process.Pid
		id, idErr := driver.LocalIdentity(pid)
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !bytes.Contains(cl, []byte(marker)) {
			cmdlineMiss++
		}
		if idErr != nil || !driver.LocalAlive(id, func(int) bool { return true }) {
			identityMiss++
		}
		_ = c.Process.Kill()
		_ = c.Wait()
	}
	fmt.Printf("liveness probe right after Start (%d processes): the command-line check missed a live process %d times, the identity check %d times\n",
		n, cmdlineMiss, identityMiss)
	return nil
}
