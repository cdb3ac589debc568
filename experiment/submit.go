package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
)

// SubmitOptions are the options of Experiment.Submit. A nil *SubmitOptions gives the defaults.
type SubmitOptions struct {
	// Tags are set on the run when it is created.
	Tags map[string]string
	// Target runs the job instead of the target that RunConfig.Target names (its name must be
	// the same); use it to pass a target built with non-default options.
	Target compute.ComputeTarget
	// MaxSnapshotBytes and MaxSnapshotFiles override the snapshot limits (300 MiB and 2000
	// changed files); negative means no limit.
	MaxSnapshotBytes int64
	MaxSnapshotFiles int
	// OnWarning receives one message per setting that is ignored for this run: the
	// parameters of ScriptRunConfig that azureml-core ignores (ScriptRunConfig.Warnings) and
	// the settings the target ignores (compute.Checker). The same messages are written to the
	// run's control log (azureml-logs/60_control_log.txt) and logged at level Warn.
	OnWarning func(msg string)
	// Logger receives structured debug logs; nil discards them.
	Logger *slog.Logger
	// RunID is the new run's id instead of a generated one; a run with that id must not exist
	// (the error then wraps ErrRunExists). Sweeps use it to name their children <parent>_<n>.
	RunID string
	// SnapshotID runs the job on a snapshot recorded earlier (a run's ContentSnapshotId
	// property) instead of taking a new one of the source directory, which then need not
	// exist: the children of a sweep share their parent's snapshot, even when a resumed sweep
	// launches them after the directory changed.
	SnapshotID string
}

// Submit validates src, takes a snapshot of its source directory, records a new run and starts it
// on the target src's run configuration names. It returns once the run is launched; use
// Run.WaitForCompletion to follow it. Environment preparation (a conda build the first time an
// environment is used) happens before Submit returns; its log is azureml-logs/60_control_log.txt.
//
// Submit follows one rule for failures:
//   - What can be known wrong before anything runs — src itself, a target that does not exist,
//     a setting the target cannot honour (compute.Checker), the snapshot limits — is refused
//     before a run is recorded: the run is nil and the error wraps ErrInvalidConfig, with
//     every problem reported at once.
//   - Once the run is recorded, a target that cannot start it (an environment that cannot be
//     prepared, a launch that fails) leaves the run Failed — coded UserError when the cause is
//     the environment (compute.ErrEnvironment: a missing interpreter, no conda, a conda build
//     that failed), SystemError otherwise — or Canceled when ctx ended. Submit then returns
//     that run together with a *RunError describing it (it unwraps to the target's error);
//     the run's id and the control log on the target tell the rest.
//
// Settings that are ignored for the run reach SubmitOptions.OnWarning and the control log.
func (e *Experiment) Submit(ctx context.Context, src runconfig.ScriptRunConfig, opts *SubmitOptions) (*Run, error) {
	return e.submit(ctx, src, opts, "")
}

// SubmitChild submits src as a child run of r (azureml's Run.submit_child): a run of r's
// experiment whose ParentID is r's id. Everything else is as Experiment.Submit.
func (r *Run) SubmitChild(ctx context.Context, src runconfig.ScriptRunConfig, opts *SubmitOptions) (*Run, error) {
	e := &Experiment{ws: r.ws, st: r.st, name: r.Experiment()}
	return e.submit(ctx, src, opts, r.id)
}

func (e *Experiment) submit(ctx context.Context, src runconfig.ScriptRunConfig, opts *SubmitOptions, parentID string) (_ *Run, err error) {
	defer func() { err = errtext.Public(err) }()
	var o SubmitOptions
	if opts != nil {
		o = *opts
	}
	log := discardLogger(o.Logger)
	if o.RunID != "" && !runIDRule.MatchString(o.RunID) {
		return nil, fmt.Errorf("%w: SubmitOptions.RunID %q: a run id is 1 to 255 letters, digits, '_', '-' and '.', starting with a letter or a digit", ErrInvalidConfig, o.RunID)
	}
	rc, recorded, err := e.checkSource(ctx, src, o.SnapshotID)
	if err != nil {
		return nil, err
	}
	target := o.Target
	if target == nil {
		if target, err = compute.Get(ctx, e.ws, rc.Target); err != nil {
			return nil, fmt.Errorf("%w: target %q: %w", ErrInvalidConfig, rc.Target, err)
		}
	} else if target.Name() != rc.Target {
		return nil, fmt.Errorf("%w: SubmitOptions.Target is %q but the run configuration's target is %q", ErrInvalidConfig, target.Name(), rc.Target)
	}
	callerWarnings := src.Warnings()
	warnings := slices.Clone(callerWarnings)
	if c, ok := target.(compute.Checker); ok {
		w, err := c.Check(ctx, rc)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		warnings = append(warnings, w...)
	}
	for _, w := range warnings {
		log.WarnContext(ctx, w, "target", rc.Target)
		if o.OnWarning != nil {
			o.OnWarning(w)
		}
	}

	snap := recorded
	if snap == nil {
		if snap, err = e.takeSnapshot(ctx, src.SourceDirectory, &o); err != nil {
			return nil, err
		}
	}
	// The run definition is stored: registry credentials are masked first.
	definition, err := json.Marshal(rc.Redacted())
	if err != nil {
		return nil, errorf("experiment: encoding the run definition: %w", err)
	}
	now := time.Now().UTC()
	rec := store.Run{
		ID:         o.RunID,
		Experiment: e.name,
		Target:     rc.Target,
		Status:     string(StatusNotStarted),
		ParentID:   parentID,
		SnapshotID: snap.ID,
		CreatedAt:  now,
		Definition: definition,
		RunType:    ScriptRunType,
	}
	if rec.ID == "" {
		rec.ID = newRunID(e.name, now.Unix())
	}
	if err := e.st.CreateRun(ctx, rec); errors.Is(err, store.ErrExists) {
		return nil, fmt.Errorf("%w: %s", ErrRunExists, rec.ID)
	} else if err != nil {
		return nil, errorf("experiment: recording the run: %w", err)
	}
	run := newRun(e.ws, e.st, rec)
	props := map[string]string{
		"ContentSnapshotId":  snap.ID,
		"azureml.runsource":  "experiment",
		"amlgo.sourceFolder": absPath(src.SourceDirectory),
	}
	if err := e.st.AddProperties(ctx, rec.ID, props); err != nil {
		return run.notStarted(ctx, errorf("experiment: recording run properties: %w", err))
	}
	if len(o.Tags) > 0 {
		if err := e.st.SetTags(ctx, rec.ID, o.Tags); err != nil {
			return run.notStarted(ctx, errorf("experiment: tagging the run: %w", err))
		}
	}
	if afterRecord != nil {
		afterRecord(rec.ID)
	}
	if err := e.st.SetStatus(ctx, rec.ID, string(StatusPreparing), time.Now().UTC()); errors.Is(err, store.ErrEnded) {
		// Canceled as soon as it was recorded: it is not started.
		if _, err := run.refresh(ctx); err != nil {
			return nil, err
		}
		return run, nil
	} else if err != nil {
		return run.notStarted(ctx, errorf("experiment: %w", err))
	}
	log.DebugContext(ctx, "starting run", "run_id", rec.ID, "target", rc.Target, "snapshot", snap.ID)
	exec, err := target.Start(ctx, &compute.Job{
		RunID:      rec.ID,
		Experiment: e.name,
		Workspace:  e.ws.Name(),
		RunConfig:  rc,
		Snapshot:   snap,
		OpenFile:   func(f snapshot.File) (io.ReadCloser, error) { return e.st.OpenBlob(f.SHA256) },
		Logger:     o.Logger,
		Warnings:   callerWarnings,
	})
	if err != nil {
		return run.notStarted(ctx, err)
	}
	canceled := false
	if err := e.st.UpdateRun(ctx, rec.ID, func(r *store.Run) error {
		r.ExecState = exec.State()
		// Canceled while the target started it (Cancel found no execution to stop): the
		// record stays Canceled and the execution is stopped below.
		canceled = Status(r.Status).Terminal()
		if !canceled {
			r.Status = string(StatusStarting)
		}
		return nil
	}); err != nil {
		return nil, errorf("experiment: recording the run's execution: %w", err)
	}
	if canceled {
		if err := exec.Cancel(ctx); err != nil {
			return nil, errorf("experiment: stopping run %s, canceled while it started: %w", rec.ID, err)
		}
		// The record is already final, so nothing would wait for the job to stop: Submit does,
		// and returns only when nothing of the run is left running.
		if err := awaitStopped(ctx, exec); err != nil {
			return nil, errorf("experiment: stopping run %s, canceled while it started: %w", rec.ID, err)
		}
	}
	run.exec = exec
	run.target = target
	return run, nil
}

// checkSource validates src and returns its run configuration. With snapshotID it also
// returns that recorded snapshot, which must hold the script; otherwise the source directory
// must exist and hold it.
func (e *Experiment) checkSource(ctx context.Context, src runconfig.ScriptRunConfig, snapshotID string) (*runconfig.RunConfiguration, *snapshot.Snapshot, error) {
	if snapshotID == "" {
		if err := checkSourceDirectory(src.SourceDirectory); err != nil {
			return nil, nil, err
		}
		if err := src.Validate(); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	rc, err := src.RunConfiguration()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if snapshotID == "" {
		return rc, nil, nil
	}
	if err := rc.Validate(""); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	manifest, err := e.st.Snapshot(ctx, snapshotID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w: SubmitOptions.SnapshotID %q: the workspace has no such snapshot", ErrInvalidConfig, snapshotID)
	} else if err != nil {
		return nil, nil, errorf("experiment: reading snapshot %s: %w", snapshotID, err)
	}
	var snap snapshot.Snapshot
	if err := json.Unmarshal(manifest, &snap); err != nil {
		return nil, nil, errorf("experiment: snapshot %s: %w", snapshotID, err)
	}
	if rc.Script != "" && !slices.ContainsFunc(snap.Files, func(f snapshot.File) bool { return f.Path == path.Clean(filepath.ToSlash(rc.Script)) }) {
		return nil, nil, fmt.Errorf("%w: script %s is not in snapshot %s", ErrInvalidConfig, rc.Script, snapshotID)
	}
	return rc, &snap, nil
}

func checkSourceDirectory(dir string) error {
	if dir == "" {
		return fmt.Errorf("%w: ScriptRunConfig.SourceDirectory is empty", ErrInvalidConfig)
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: source directory %s does not exist", ErrInvalidConfig, dir)
	case err != nil:
		return fmt.Errorf("%w: source directory: %w", ErrInvalidConfig, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: source directory %s is not a directory", ErrInvalidConfig, dir)
	}
	return nil
}

// takeSnapshot snapshots dir, stores the files the workspace does not have yet, and records the
// manifest. The stat cache makes an unchanged tree cost no hashing; the previous snapshot of the
// experiment makes the file limit count only changed files, as azureml-core does.
func (e *Experiment) takeSnapshot(ctx context.Context, dir string, o *SubmitOptions) (*snapshot.Snapshot, error) {
	prev := e.previousSnapshot(ctx)
	cachePath := filepath.Join(e.ws.Dir(), "cache", "snapshot-statcache.json")
	cache, err := snapshot.LoadStatCache(cachePath)
	if err != nil {
		cache = snapshot.NewStatCache() // a damaged cache only costs hashing
	}
	snap, err := snapshot.Take(ctx, dir, &snapshot.Options{
		Previous: prev,
		Cache:    cache,
		MaxSize:  o.MaxSnapshotBytes,
		MaxFiles: o.MaxSnapshotFiles,
		Exclude:  workspaceInside(dir, e.ws.Dir()),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	_ = os.MkdirAll(filepath.Dir(cachePath), 0o700)
	_ = cache.Save(cachePath) // a lost cache only costs hashing next time
	for _, f := range snap.Files {
		if f.LinkTarget != "" || !f.Mode.IsRegular() || e.st.HasBlob(f.SHA256) {
			continue
		}
		sha, _, err := e.st.PutBlobFile(ctx, filepath.Join(snap.Root, filepath.FromSlash(f.Path)))
		if err != nil {
			return nil, errorf("experiment: storing snapshot file %s: %w", f.Path, err)
		}
		if sha != f.SHA256 {
			return nil, fmt.Errorf("experiment: snapshot file %s changed while it was stored; submit again", f.Path)
		}
	}
	manifest, err := json.Marshal(snap)
	if err != nil {
		return nil, errorf("experiment: encoding the snapshot: %w", err)
	}
	if err := e.st.PutSnapshot(ctx, snap.ID, manifest); err != nil {
		return nil, errorf("experiment: recording the snapshot: %w", err)
	}
	return snap, nil
}

// previousSnapshot is the experiment's latest run's snapshot, or nil.
func (e *Experiment) previousSnapshot(ctx context.Context) *snapshot.Snapshot {
	for rec, err := range e.st.Runs(ctx, store.RunFilter{Experiment: e.name}) {
		if err != nil || rec.SnapshotID == "" {
			return nil
		}
		manifest, err := e.st.Snapshot(ctx, rec.SnapshotID)
		if err != nil {
			return nil
		}
		var s snapshot.Snapshot
		if json.Unmarshal(manifest, &s) != nil {
			return nil
		}
		return &s
	}
	return nil
}

// workspaceInside returns the workspace directory relative to the source directory when it lies
// inside it (e.g. SourceDirectory "." with the workspace in ./.amlgo): amlgo's own store is never
// part of a snapshot. Otherwise nil.
func workspaceInside(sourceDir, wsDir string) []string {
	rel, err := filepath.Rel(absPath(sourceDir), absPath(wsDir))
	if err != nil || rel == "." || !filepath.IsLocal(rel) {
		return nil
	}
	return []string{filepath.ToSlash(rel)}
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// stopWait bounds how long Submit waits for a job canceled while it started to stop; the
// targets' grace periods before SIGKILL are well under it.
const stopWait = 3 * time.Minute

// awaitStopped observes exec until it reports a final status, discarding its output (the run's
// record is already final).
func awaitStopped(ctx context.Context, exec compute.Execution) error {
	ctx, cancel := context.WithTimeoutCause(ctx, stopWait, fmt.Errorf("the job had not stopped after %s", stopWait))
	defer cancel()
	var cursor compute.Cursor
	for {
		ob, err := exec.Observe(ctx, cursor)
		if err != nil {
			return err
		}
		if Status(ob.Status).Terminal() {
			return nil
		}
		cursor = ob.Next
		wait := ob.PollAfter
		if wait <= 0 {
			wait = 50 * time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}
