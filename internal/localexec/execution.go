package localexec

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
	pollInterval      = 25 * time.Millisecond
	earlyPollInterval = 5 * time.Millisecond
	earlyPeriod       = 3 * time.Second
)

// State is the persisted form of an execution: enough to observe and cancel it again from
// another process.
type State struct {
	RunDir string `json:"runDir"`
	// The driver process, identified from fork on (pid, start time, boot id).
	driver.Identity
	LaunchedAt time.Time `json:"launchedAt"`
}

// Execution is a driver running detached on this machine, observed through its run directory.
type Execution struct {
	st       State
	paths    driver.Paths
	observer *rundir.Observer
}

// Resume returns the execution of st, e.g. in a new process (see ParseState).
func Resume(st State) *Execution {
	paths := driver.Layout(st.RunDir)
	return &Execution{st: st, paths: paths, observer: &rundir.Observer{
		FS:     rundir.OSFS{},
		Paths:  paths,
		Driver: st.Identity,
		Alive:  func(context.Context) (bool, error) { return st.driverAlive(), nil },
	}}
}

// ParseState reads the persisted form of an execution (Execution.State).
func ParseState(state json.RawMessage) (State, error) {
	var st State
	if err := json.Unmarshal(state, &st); err != nil {
		return State{}, fmt.Errorf("compute: reading local execution state: %w", err)
	}
	if st.RunDir == "" {
		return State{}, errors.New("compute: local execution state has no run directory")
	}
	return st, nil
}

// PID is the driver's process id.
func (e *Execution) PID() int { return e.st.PID }

// State returns the run directory and the driver's identity, as JSON.
func (e *Execution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

// Observe reads the run directory (see rundir.Observer).
func (e *Execution) Observe(ctx context.Context, cur rundir.Cursor) (*rundir.Observation, error) {
	poll := pollInterval
	if time.Since(e.st.LaunchedAt) < earlyPeriod {
		poll = earlyPollInterval
	}
	return e.observer.Observe(ctx, cur, poll)
}

// Cancel creates the kill file the driver watches. If the driver is gone, the script's process
// group is killed here and the outcome recorded in the driver's place.
func (e *Execution) Cancel(ctx context.Context) error {
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
		killGroup(pgid, e.st.PID)
	}
	if _, done, _ := rundir.ReadExitCode(e.paths.ExitCode); done {
		return nil
	}
	_ = os.WriteFile(e.paths.Reason, []byte("canceled\n"), 0o600)
	_ = os.WriteFile(e.paths.EndedAt, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o600)
	return rundir.WriteFileAtomic(e.paths.ExitCode, []byte(strconv.Itoa(128+int(syscall.SIGKILL))+"\n"))
}

// CollectOutputs hands put the script's outputs/ and logs/ and the azureml-logs files.
func (e *Execution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	return rundir.CollectLocal(ctx, e.paths, put)
}

// driverAlive reports whether the run's driver process still runs, by its identity. States
// written before identities were recorded carry only the pid: for those, the driver is the
// process with that pid whose command line names the run directory, as before.
func (st State) driverAlive() bool {
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

// killGroup SIGKILLs the script's process group pgid once its driver (session leader sid)
// is gone, but only while the group still lives in that session: a group id is reused only
// after the group is empty, and then by another session. Without procfs the group is killed.
func killGroup(pgid, sid int) {
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
func (e *Execution) OpenRunFile(_ context.Context, rel string) (io.ReadCloser, error) {
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
