package compute

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/rundir"
)

// Suggested Observe intervals of a running local job: short, because observing is a few file
// reads and a printed line should reach the caller within 100 ms; shorter still in a job's first
// seconds, so that short runs are seen to end without delay.
const (
	localPollInterval      = 25 * time.Millisecond
	localEarlyPollInterval = 5 * time.Millisecond
	localEarlyPeriod       = 3 * time.Second
)

// localExecution is a job on the local target, observed through its run directory.
type localExecution struct {
	st       localState
	paths    driver.Paths
	grace    time.Duration
	observer *rundir.Observer
}

var (
	_ Execution       = (*localExecution)(nil)
	_ OutputCollector = (*localExecution)(nil)
	_ RunFileOpener   = (*localExecution)(nil)
)

func newLocalExecution(st localState, grace time.Duration) *localExecution {
	paths := driver.Layout(st.RunDir)
	return &localExecution{st: st, paths: paths, grace: grace, observer: &rundir.Observer{
		FS:     rundir.OSFS{},
		Paths:  paths,
		Driver: st.Identity,
		Alive:  func(context.Context) (bool, error) { return st.driverAlive(), nil },
	}}
}

// State returns the run directory and driver pid.
func (e *localExecution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

// Observe reads the run directory (see rundir.Observer).
func (e *localExecution) Observe(ctx context.Context, cur Cursor) (*Observation, error) {
	poll := localPollInterval
	if time.Since(e.st.LaunchedAt) < localEarlyPeriod {
		poll = localEarlyPollInterval
	}
	obs, err := e.observer.Observe(ctx, toRunDirCursor(cur), poll)
	return fromRunDirObservation(obs), err
}

// Cancel creates the kill file the driver watches. If the driver is gone, the script's process
// group is killed here and the outcome recorded in the driver's place.
func (e *localExecution) Cancel(ctx context.Context) error {
	if _, done, _ := rundir.ReadExitCode(e.paths.ExitCode); done {
		return nil
	}
	if err := os.WriteFile(e.paths.KillFile, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o600); err != nil {
		return fmt.Errorf("compute: requesting cancel: %w", err)
	}
	if e.st.driverAlive() {
		return nil // the driver sees the kill file (even if it has not started reading files yet)
	}
	if pgid, err := strconv.Atoi(strings.TrimSpace(string(readSmall(e.paths.ChildPGID)))); err == nil && pgid > 1 {
		killLocalGroup(pgid, e.st.PID)
	}
	if _, done, _ := rundir.ReadExitCode(e.paths.ExitCode); done {
		return nil
	}
	_ = os.WriteFile(e.paths.Reason, []byte("canceled\n"), 0o600)
	_ = os.WriteFile(e.paths.EndedAt, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o600)
	return rundir.WriteFileAtomic(e.paths.ExitCode, []byte(strconv.Itoa(128+int(syscall.SIGKILL))+"\n"))
}

// CollectOutputs hands over the script's outputs/ and logs/ and the azureml-logs files.
func (e *localExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	return rundir.CollectLocal(ctx, e.paths, put)
}

// driverAlive reports whether the run's driver process still runs, by its identity. States
// written before identities were recorded carry only the pid: for those, the driver is the
// process with that pid whose command line names the run directory, as before.
func (st localState) driverAlive() bool {
	id := st.Identity
	if id.StartTicks == 0 && id.BootID == "" && !id.GoneAtLaunch {
		if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", id.PID)); err == nil {
			return driver.LocalAlive(id, pidExists) && bytes.Contains(cmdline, []byte(st.RunDir))
		}
	}
	return driver.LocalAlive(id, pidExists)
}

// pidExists reports whether a process with that pid exists (kill(pid, 0)).
func pidExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// killLocalGroup SIGKILLs the script's process group pgid once its driver (session leader sid)
// is gone, but only while the group still lives in that session: a group id is reused only
// after the group is empty, and then by another session. Without procfs the group is killed.
func killLocalGroup(pgid, sid int) {
	if alive, known := driver.LocalGroupAlive(pgid, sid); known && !alive {
		return
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func readSmall(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

// OpenRunFile opens a file of the run directory; rel must stay inside it.
func (e *localExecution) OpenRunFile(_ context.Context, rel string) (io.ReadCloser, error) {
	name, err := rundir.JoinRunFile(e.st.RunDir, rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	return f, nil
}
