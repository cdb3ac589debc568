package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/workspace"
)

// Run is a handle on one run in a workspace. Its methods are safe for concurrent use.
type Run struct {
	ws *workspace.Workspace
	st *store.Store
	id string

	mu     sync.Mutex
	rec    store.Run // last record read
	target compute.ComputeTarget
	exec   compute.Execution
}

func newRun(ws *workspace.Workspace, st *store.Store, rec store.Run) *Run {
	return &Run{ws: ws, st: st, id: rec.ID, rec: rec}
}

// ID returns the run's id: <experiment>_<unix seconds>_<8 hex> for submitted runs, a uuid for
// child runs.
func (r *Run) ID() string { return r.id }

// Experiment returns the name of the run's experiment.
func (r *Run) Experiment() string { return r.record().Experiment }

// Target returns the name of the compute target the run was submitted to.
func (r *Run) Target() string { return r.record().Target }

// Workspace returns the workspace the run is recorded in.
func (r *Run) Workspace() *workspace.Workspace { return r.ws }

// ParentID returns the parent run's id, or "" for a top-level run.
func (r *Run) ParentID() string { return r.record().ParentID }

// String returns the run's id and experiment.
func (r *Run) String() string { return fmt.Sprintf("Run(%s, experiment=%s)", r.id, r.Experiment()) }

func (r *Run) record() store.Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec
}

// refresh rereads the run's record.
func (r *Run) refresh(ctx context.Context) (store.Run, error) {
	rec, err := r.st.GetRun(ctx, r.id)
	if err != nil {
		return store.Run{}, errorf("experiment: reading run %s: %w", r.id, err)
	}
	r.mu.Lock()
	r.rec = rec
	r.mu.Unlock()
	return rec, nil
}

// Status returns the run's current status. For a run that is not known to have ended, the
// target is observed first, so a run that ended while nobody watched is finalized here.
func (r *Run) Status(ctx context.Context) (Status, error) {
	rec, err := r.refresh(ctx)
	if err != nil {
		return "", err
	}
	// Interactive runs change status only when their program says so; a script's own child
	// runs (no execution of their own) are ended by their parent's observer.
	if Status(rec.Status).Terminal() || rec.Interactive || rec.ParentID != "" && len(rec.ExecState) == 0 {
		return Status(rec.Status), nil
	}
	obs, err := r.newObserver(ctx)
	if err != nil {
		return "", err
	}
	if _, err := obs.drain(ctx, nil); err != nil {
		return "", err
	}
	rec, err = r.refresh(ctx)
	if err != nil {
		return "", err
	}
	return Status(rec.Status), nil
}

// execution returns the run's execution, reattaching to it from its persisted state if this
// handle did not start it.
func (r *Run) execution(ctx context.Context) (compute.Execution, error) {
	r.mu.Lock()
	exec := r.exec
	r.mu.Unlock()
	if exec != nil {
		return exec, nil
	}
	rec, err := r.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if len(rec.ExecState) == 0 {
		return nil, nil // never started
	}
	target, err := compute.Get(ctx, r.ws, rec.Target)
	if err != nil {
		return nil, errorf("experiment: run %s: %w", r.id, err)
	}
	re, ok := target.(compute.Reattacher)
	if !ok {
		return nil, errorf("experiment: run %s: target %q cannot be reattached from another process: %w; follow the run from the process that submitted it", r.id, rec.Target, compute.ErrUnsupported)
	}
	exec, err = re.Reattach(ctx, rec.ExecState)
	if err != nil {
		return nil, errorf("experiment: run %s: %w", r.id, err)
	}
	r.mu.Lock()
	r.exec, r.target = exec, target
	r.mu.Unlock()
	return exec, nil
}

// Cancel cancels the run: the script's process group gets SIGTERM and, after the target's grace
// period, SIGKILL. Cancel returns once the request is delivered and recorded
// (CancelRequested); WaitForCompletion then ends with Canceled. Canceling an ended run does
// nothing. For an interactive run (Experiment.StartRun) Cancel records CancelRequested only:
// the program driving the run ends it.
func (r *Run) Cancel(ctx context.Context) error {
	return r.cancel(ctx, "")
}

// cancelReasonProperty is the run property holding the reason given to CancelWithReason.
const cancelReasonProperty = "amlgo.cancelReason"

// CancelWithReason is Cancel, with reason recorded as the message of the canceled run's error
// details (instead of the target's), e.g. why an early-termination policy stopped it. The
// first reason given to a run is kept.
func (r *Run) CancelWithReason(ctx context.Context, reason string) error {
	return r.cancel(ctx, reason)
}

func (r *Run) cancel(ctx context.Context, reason string) error {
	rec, err := r.refresh(ctx)
	if err != nil {
		return err
	}
	if Status(rec.Status).Terminal() {
		return nil
	}
	if reason != "" {
		if err := r.st.AddProperties(ctx, r.id, map[string]string{cancelReasonProperty: reason}); err != nil && !errors.Is(err, store.ErrImmutableProperty) {
			return errorf("experiment: canceling run %s: %w", r.id, err)
		}
	}
	if rec.Interactive {
		return r.requestCancel(ctx)
	}
	exec, err := r.execution(ctx)
	if err != nil {
		return err
	}
	if exec == nil {
		if reason == "" {
			reason = "The run was canceled before it started."
		}
		return r.finish(ctx, StatusCanceled, reason, nil, "")
	}
	if err := exec.Cancel(ctx); err != nil {
		return errorf("experiment: canceling run %s: %w", r.id, err)
	}
	if afterExecCancel != nil {
		afterExecCancel(r.id)
	}
	return r.requestCancel(ctx)
}

// afterExecCancel, when set by a test, runs between stopping a run's execution and recording
// CancelRequested: where the run's end, seen by another observer, can come first.
var afterExecCancel func(runID string)

// afterRecord, when set by a test, runs once Submit has recorded a run and before it prepares
// it: where a cancel (from a sweep listing its children, or another process) can come first.
var afterRecord func(runID string)

// requestCancel records CancelRequested, unless the run has ended meanwhile (its end, seen by
// another goroutine or process, is never replaced).
func (r *Run) requestCancel(ctx context.Context) error {
	err := r.st.SetStatus(ctx, r.id, string(StatusCancelRequested), time.Now().UTC())
	if err != nil && !errors.Is(err, store.ErrEnded) {
		return errorf("experiment: canceling run %s: %w", r.id, err)
	}
	return nil
}

// notStarted records that the run could not be started (Submit's rule: Failed, UserError when
// the cause is the environment, SystemError otherwise; Canceled when ctx ended) and returns the
// run with a *RunError that unwraps to cause.
func (r *Run) notStarted(ctx context.Context, cause error) (*Run, error) {
	status, code := StatusFailed, "SystemError"
	msg := strings.TrimPrefix(strings.TrimPrefix(errtext.Clean(cause.Error()), "experiment: "), "compute: ")
	switch {
	case ctx.Err() != nil:
		status, code, msg = StatusCanceled, "", "The run was canceled before it started: "+msg
	case errors.Is(cause, compute.ErrEnvironment):
		code = "UserError"
	}
	// Recorded even when ctx has ended: the run must not stay Preparing.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.finish(fctx, status, msg, nil, code); err != nil {
		return nil, errorf("experiment: run %s could not be started (%s), and recording that failed: %w", r.id, msg, err)
	}
	return r, &RunError{RunID: r.id, Status: status, Code: code, Message: msg, cause: cause}
}

// finish records a final status with its error details, in one update. A run that has ended
// already (another process recorded its end first: a cancel and the run's own end race)
// keeps the end recorded first.
func (r *Run) finish(ctx context.Context, status Status, reason string, exitCode *int, code string) error {
	now := time.Now().UTC()
	err := r.st.UpdateRun(ctx, r.id, func(rec *store.Run) error {
		if Status(rec.Status).Terminal() {
			return store.ErrEnded
		}
		if rec.EndedAt.IsZero() {
			rec.EndedAt = now
		}
		if exitCode != nil {
			c := *exitCode
			rec.ExitCode = &c
		}
		if status != StatusCompleted && reason != "" {
			rec.Error = errorDetails(code, reason, now)
		}
		rec.Status = string(status)
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrEnded) {
		return errorf("experiment: recording the end of run %s: %w", r.id, err)
	}
	_, err = r.refresh(ctx)
	return err
}

// errorDetails is azureml's error object: {"error": {"code", "message"}, "time"}.
func errorDetails(code, message string, at time.Time) json.RawMessage {
	if code == "" {
		code = "UserError"
	}
	b, _ := json.Marshal(map[string]any{
		"error": map[string]string{"code": code, "message": message},
		"time":  at.Format(time.RFC3339Nano),
	})
	return b
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
