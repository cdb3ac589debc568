package dockerexec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/rundir"
)

// EngineWait is how long observing a run waits for an engine that stopped answering (a
// restarting dockerd) before it reports the engine unreachable.
const EngineWait = 45 * time.Second

// killBackstop is how long after the grace period a canceled container may still run before it
// is killed through the engine.
const killBackstop = 10 * time.Second

// Suggested Observe intervals (see localexec: a printed line reaches the caller within 100 ms).
const (
	pollInterval      = 25 * time.Millisecond
	earlyPollInterval = 5 * time.Millisecond
	earlyPeriod       = 3 * time.Second
)

// State is the persisted form of a docker execution: enough for any process to observe, cancel
// and clean it up again.
type State struct {
	// RunDir is the run directory on the engine's host (bind-mounted at /azureml-run).
	RunDir string `json:"runDir"`
	// Container is the container's name.
	Container string `json:"container"`
	// Engine is the engine's address on its host.
	Engine string `json:"engine"`
	// GraceSeconds is the time between SIGTERM and SIGKILL on cancel.
	GraceSeconds int `json:"graceSeconds"`
	// Keep leaves the container on the engine after the run (for debugging).
	Keep bool `json:"keep,omitempty"`
	// LaunchedAt is when the container was started.
	LaunchedAt time.Time `json:"launchedAt"`
}

// ParseState reads an Execution's State.
func ParseState(state json.RawMessage) (State, error) {
	var st State
	if err := json.Unmarshal(state, &st); err != nil {
		return State{}, fmt.Errorf("compute: reading docker execution state: %w", err)
	}
	if st.RunDir == "" || st.Container == "" {
		return State{}, errors.New("compute: docker execution state has no run directory or container")
	}
	return st, nil
}

// Files is the run directory on the engine's host, as a docker execution reads and writes it.
type Files struct {
	// FS reads the run directory.
	FS rundir.FS
	// ConcurrentReads overlaps reads (worth it over SFTP).
	ConcurrentReads bool
	// WriteFile writes a file of the run directory atomically (the kill file, a stand-in exit code).
	WriteFile func(ctx context.Context, path string, data []byte) error
	// Collect hands put the run's outputs/, logs/ and azureml-logs files.
	Collect func(ctx context.Context, put func(name string, r io.Reader) error) error
}

// Execution is a run's container, observed through its run directory; the engine only says
// whether the container still runs.
type Execution struct {
	st       State
	engine   *Engine
	files    Files
	paths    driver.Paths
	observer *rundir.Observer

	mu   sync.Mutex
	last *ContainerState
}

// Resume returns the execution of st on engine.
func Resume(engine *Engine, st State, files Files) *Execution {
	e := &Execution{st: st, engine: engine, files: files, paths: driver.Layout(st.RunDir)}
	e.observer = &rundir.Observer{
		FS:         files.FS,
		Paths:      e.paths,
		Alive:      e.alive,
		LostReason: e.lostReason,
		TerminatedReason: func(context.Context) string {
			return fmt.Sprintf("The container %s was stopped from outside amlgo before the script ended: the Docker engine at %s "+
				"was restarted or shut down, or the container was stopped (docker stop); the script was stopped.", st.Container, engine.Host())
		},
		ConcurrentReads: files.ConcurrentReads,
	}
	return e
}

// State returns the persisted form, as JSON.
func (e *Execution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

// Container is the container's name.
func (e *Execution) Container() string { return e.st.Container }

// Observe reads the run directory (see rundir.Observer); a cancel that the container has not
// obeyed within the grace period (plus a margin) is enforced by killing the container.
func (e *Execution) Observe(ctx context.Context, cur rundir.Cursor) (*rundir.Observation, error) {
	poll := pollInterval
	if time.Since(e.st.LaunchedAt) < earlyPeriod {
		poll = earlyPollInterval
	}
	obs, err := e.observer.Observe(ctx, cur, poll)
	if err != nil {
		return nil, err
	}
	if obs.Status == "CancelRequested" {
		if err := e.enforceCancel(ctx); err != nil {
			return nil, err
		}
	}
	return obs, nil
}

// alive asks the engine whether the container runs, waiting up to EngineWait for an engine
// that stopped answering.
func (e *Execution) alive(ctx context.Context) (bool, error) {
	deadline := time.Now().Add(EngineWait)
	for {
		st, err := e.engine.Inspect(ctx, e.st.Container)
		if err == nil {
			e.mu.Lock()
			e.last = st
			e.mu.Unlock()
			return st.Running, nil
		}
		if !IsUnreachable(err) || time.Now().After(deadline) {
			return false, fmt.Errorf("docker: container %s: %w", e.st.Container, err)
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
	}
}

// lostReason explains a container that stopped without the driver recording an exit code.
func (e *Execution) lostReason(context.Context) string {
	e.mu.Lock()
	st := e.last
	e.mu.Unlock()
	switch {
	case st == nil || !st.Exists:
		return fmt.Sprintf("the container %s is gone from the Docker engine at %s and the driver recorded no exit code "+
			"(it was removed, or the engine lost it)", e.st.Container, e.engine.Host())
	case st.OOMKilled:
		return fmt.Sprintf("the container %s was killed for lack of memory (OOM, exit code %d) before the driver recorded "+
			"the script's exit code; give it more memory (docker.arguments --memory) or use less", e.st.Container, st.ExitCode)
	}
	msg := fmt.Sprintf("the container %s stopped (%s, exit code %d) before the driver recorded the script's exit code: "+
		"it was killed, or the Docker engine at %s was restarted", e.st.Container, st.Status, st.ExitCode, e.engine.Host())
	if st.Error != "" {
		msg += "; the engine says: " + st.Error
	}
	return msg
}

// Cancel creates the kill file the driver in the container watches: the driver stops the
// script (SIGTERM, SIGKILL after the grace period) and records the outcome. A container that
// is already gone is stood in for; one that ignores the request is killed by Observe.
func (e *Execution) Cancel(ctx context.Context) error {
	if code, ok, err := e.files.FS.ReadSmall(ctx, e.paths.ExitCode); err == nil && ok && len(strings.TrimSpace(string(code))) > 0 {
		return nil
	}
	stamp := []byte(time.Now().UTC().Format(time.RFC3339Nano) + "\n")
	if err := e.files.WriteFile(ctx, e.paths.KillFile, stamp); err != nil {
		return fmt.Errorf("compute: requesting cancel: %w", err)
	}
	alive, err := e.alive(ctx)
	if err != nil || alive {
		return err
	}
	return e.standIn(ctx)
}

// enforceCancel kills a container that still runs killBackstop after the grace period of a
// cancel, and records the cancel in the driver's place.
func (e *Execution) enforceCancel(ctx context.Context) error {
	b, ok, err := e.files.FS.ReadSmall(ctx, e.paths.KillFile)
	if err != nil || !ok {
		return err
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil || time.Since(at) < time.Duration(e.st.GraceSeconds)*time.Second+killBackstop {
		return nil
	}
	if err := e.engine.Kill(ctx, e.st.Container, "SIGKILL"); err != nil {
		return err
	}
	return e.standIn(ctx)
}

// standIn records a cancel whose driver is gone: reason, end time and exit code 137.
func (e *Execution) standIn(ctx context.Context) error {
	if code, ok, err := e.files.FS.ReadSmall(ctx, e.paths.ExitCode); err != nil || (ok && len(strings.TrimSpace(string(code))) > 0) {
		return err
	}
	now := []byte(time.Now().UTC().Format(time.RFC3339Nano) + "\n")
	if err := e.files.WriteFile(ctx, e.paths.Reason, []byte("canceled\n")); err != nil {
		return err
	}
	if err := e.files.WriteFile(ctx, e.paths.EndedAt, now); err != nil {
		return err
	}
	return e.files.WriteFile(ctx, e.paths.ExitCode, []byte(strconv.Itoa(137)+"\n"))
}

// CollectOutputs hands put the run's files, then removes the container (unless State.Keep):
// no container is left once a run's outputs are recorded.
func (e *Execution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	if err := e.files.Collect(ctx, put); err != nil {
		return err
	}
	return e.Release(ctx)
}

// Release removes the container (killing it if it still runs), unless State.Keep. An engine
// that stopped answering (a restarting dockerd) is waited for up to EngineWait; after that the
// error is returned and the next observer of the run tries again.
func (e *Execution) Release(ctx context.Context) error {
	if e.st.Keep {
		return nil
	}
	deadline := time.Now().Add(EngineWait)
	for {
		err := e.engine.Remove(ctx, e.st.Container)
		if err == nil || !IsUnreachable(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
