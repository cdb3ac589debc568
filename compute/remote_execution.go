package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/rundir"
	"github.com/amlgo/amlgo/internal/sshx"
)

// defaultRemotePollInterval is the suggested Observe interval of a running job on a VM: each
// observation is a handful of SFTP requests, and a printed line should reach the caller well
// within half a second.
const defaultRemotePollInterval = 100 * time.Millisecond

// aliveRecheck is how long a driver seen alive is taken to be alive without asking again.
const aliveRecheck = time.Second

// remoteState is the persisted form of an execution on a VM (Execution.State).
type remoteState struct {
	Target string `json:"target"`
	RunDir string `json:"runDir"`
	// The driver process on the VM, identified from fork on (pid, start time, boot id).
	driver.Identity
	LaunchedAt time.Time `json:"launchedAt"`
}

// remoteExecution is a job on a VM target, observed over SFTP through its run directory.
type remoteExecution struct {
	d        *DSVM
	st       remoteState
	paths    driver.Paths
	observer *rundir.Observer
}

var (
	_ Execution       = (*remoteExecution)(nil)
	_ OutputCollector = (*remoteExecution)(nil)
	_ RunFileOpener   = (*remoteExecution)(nil)
)

func newRemoteExecution(d *DSVM, st remoteState) *remoteExecution {
	paths := driver.SlashLayout(st.RunDir)
	e := &remoteExecution{d: d, st: st, paths: paths}
	rfs := &rundir.SFTPFS{Conn: d.remote}
	// A live driver is rechecked at most every aliveRecheck: the check only detects a driver
	// killed without recording an exit code, and costs round trips.
	var mu sync.Mutex
	var aliveAt time.Time
	e.observer = &rundir.Observer{FS: rfs, Paths: paths, Driver: st.Identity, ConcurrentReads: true, Alive: func(ctx context.Context) (bool, error) {
		mu.Lock()
		recent := !aliveAt.IsZero() && time.Since(aliveAt) < aliveRecheck
		mu.Unlock()
		if recent {
			return true, nil
		}
		alive, err := rfs.ProcessAlive(ctx, st.Identity, st.RunDir)
		if alive {
			mu.Lock()
			aliveAt = time.Now()
			mu.Unlock()
		}
		return alive, err
	}}
	return e
}

// Reattach resumes observing a run on the VM from its State, e.g. in a new process.
func (d *DSVM) Reattach(ctx context.Context, state json.RawMessage) (Execution, error) {
	if isDockerState(state) {
		return d.reattachDocker(ctx, state)
	}
	var st remoteState
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, fmt.Errorf("compute: reading VM execution state: %w", err)
	}
	switch {
	case st.RunDir == "" || !path.IsAbs(st.RunDir):
		return nil, errors.New("compute: VM execution state has no run directory")
	case st.Target != "" && st.Target != d.name:
		return nil, fmt.Errorf("compute: the execution ran on target %q, not %q", st.Target, d.name)
	}
	return newRemoteExecution(d, st), nil
}

// State returns the target, the run directory on the VM and the driver's pid.
func (e *remoteExecution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

// Observe reads the run directory on the VM over SFTP. A dropped connection is re-dialed (with
// backoff, within ctx) and the observation repeated from the same cursor, so nothing is lost or
// repeated; the run on the VM goes on meanwhile.
func (e *remoteExecution) Observe(ctx context.Context, cur Cursor) (*Observation, error) {
	var obs *Observation
	err := e.d.remote.Retry(ctx, func(*sshx.Client) error {
		o, err := e.observer.Observe(ctx, toRunDirCursor(cur), e.d.opts.PollInterval)
		obs = fromRunDirObservation(o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return obs, nil
}

// Cancel creates the kill file the driver on the VM watches; if the driver is gone, the
// script's process group is killed remotely and the outcome recorded in the driver's place.
func (e *remoteExecution) Cancel(ctx context.Context) error {
	return e.d.remote.Cancel(ctx, e.st.RunDir, e.st.Identity)
}

// CollectOutputs downloads the script's outputs/ and logs/ and the azureml-logs files from the
// VM (one tar stream) and hands each regular file to put.
func (e *remoteExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	return e.d.remote.Collect(ctx, e.st.RunDir, put)
}

// OpenRunFile opens a file of the run directory on the VM over SFTP; rel must stay inside it.
// Reading resumes at the same offset over a new connection when the connection drops.
func (e *remoteExecution) OpenRunFile(ctx context.Context, rel string) (io.ReadCloser, error) {
	return e.d.remote.OpenRunFile(ctx, e.st.RunDir, rel)
}

// shQuote quotes s as one POSIX shell word.
func shQuote(s string) string { return sshx.Quote(s) }
