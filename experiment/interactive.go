package experiment

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"time"

	"github.com/amlgo/amlgo/internal/store"
)

// ScriptRunType is the run type of runs that Submit starts (azureml's "azureml.scriptrun").
const ScriptRunType = "azureml.scriptrun"

// runIDRule is what amlgo accepts as a caller-chosen run id: letters, digits, '_', '-' and
// '.', starting with a letter or a digit, up to 255 characters.
var runIDRule = regexp.MustCompile(`^[a-zA-Z0-9][\w\-.]{0,254}$`)

// StartRunOptions are the options of Experiment.StartRun. A nil *StartRunOptions gives the
// defaults.
type StartRunOptions struct {
	// RunID is the run's id instead of a generated <experiment>_<unix seconds>_<8 hex>; a run
	// with that id must not exist (the error then wraps ErrRunExists).
	RunID string
	// RunType is the run's type (Run.Type), e.g. "hyperdrive"; "" is "interactive".
	RunType string
	// Target is the compute target name recorded on the run (nothing runs there).
	Target string
	// DisplayName is the run's display name.
	DisplayName string
	// SnapshotDirectory, when set, is snapshotted (with Submit's ignore rules and limits) and
	// recorded as the run's ContentSnapshotId property, as azureml's
	// start_logging(snapshot_directory=…) does.
	SnapshotDirectory string
	// Tags and Properties are set on the run when it is created.
	Tags, Properties map[string]string
}

// InteractiveRunType is the run type StartRun records when StartRunOptions.RunType is empty.
const InteractiveRunType = "interactive"

// StartRun records a new interactive run in status Running and returns it: a run that the
// calling program drives itself, with nothing executed on a target (azureml's
// Experiment.start_logging). Its status changes only when that program says so: End records
// its final status, and Cancel records CancelRequested, which the program honours by ending
// the run. Tags, properties, files (UploadFile), child runs (SubmitChild) and models work as
// on any run.
func (e *Experiment) StartRun(ctx context.Context, opts *StartRunOptions) (*Run, error) {
	var o StartRunOptions
	if opts != nil {
		o = *opts
	}
	if o.RunID != "" && !runIDRule.MatchString(o.RunID) {
		return nil, fmt.Errorf("%w: StartRunOptions.RunID %q: a run id is 1 to 255 letters, digits, '_', '-' and '.', starting with a letter or a digit", ErrInvalidConfig, o.RunID)
	}
	if o.RunType == "" {
		o.RunType = InteractiveRunType
	}
	props := map[string]string{}
	if o.SnapshotDirectory != "" {
		if err := checkSourceDirectory(o.SnapshotDirectory); err != nil {
			return nil, err
		}
		snap, err := e.takeSnapshot(ctx, o.SnapshotDirectory, &SubmitOptions{})
		if err != nil {
			return nil, err
		}
		props["ContentSnapshotId"] = snap.ID
		props["amlgo.sourceFolder"] = absPath(o.SnapshotDirectory)
	}
	for k, v := range o.Properties {
		props[k] = v
	}
	now := time.Now().UTC()
	rec := store.Run{
		ID: o.RunID, Experiment: e.name, Target: o.Target, Status: string(StatusRunning),
		DisplayName: o.DisplayName, SnapshotID: props["ContentSnapshotId"],
		CreatedAt: now, StartedAt: now, RunType: o.RunType, Interactive: true,
	}
	if rec.ID == "" {
		rec.ID = newRunID(e.name, now.Unix())
	}
	if err := e.st.CreateRun(ctx, rec); errors.Is(err, store.ErrExists) {
		return nil, fmt.Errorf("%w: %s", ErrRunExists, rec.ID)
	} else if err != nil {
		return nil, errorf("experiment: recording the run: %w", err)
	}
	if len(props) > 0 {
		if err := e.st.AddProperties(ctx, rec.ID, props); err != nil {
			return nil, errorf("experiment: recording run properties: %w", err)
		}
	}
	if len(o.Tags) > 0 {
		if err := e.st.SetTags(ctx, rec.ID, o.Tags); err != nil {
			return nil, errorf("experiment: tagging the run: %w", err)
		}
	}
	return newRun(e.ws, e.st, rec), nil
}

// End records the final status of an interactive run (Experiment.StartRun): Completed,
// Failed or Canceled, with message saying why for the last two (azureml's error details;
// code UserError). Ending an ended run does nothing.
func (r *Run) End(ctx context.Context, status Status, message string) error {
	rec, err := r.refresh(ctx)
	if err != nil {
		return err
	}
	if !rec.Interactive {
		return fmt.Errorf("%w: run %s is ended by its target", ErrNotInteractive, r.id)
	}
	if !status.Terminal() {
		return fmt.Errorf("experiment: run %s: End needs Completed, Failed or Canceled, not %q", r.id, status)
	}
	if Status(rec.Status).Terminal() {
		return nil
	}
	return r.finish(ctx, status, message, nil, "")
}

// Type returns the run's type: ScriptRunType for runs that Submit started, the
// StartRunOptions.RunType of an interactive run ("hyperdrive" for a sweep's parent), "" for
// runs recorded by an amlgo that did not record types.
func (r *Run) Type() string { return r.record().RunType }

// Interactive reports whether the run was started with Experiment.StartRun.
func (r *Run) Interactive() bool { return r.record().Interactive }

// Children lists the run's child runs, newest first (azureml's Run.get_children).
func (r *Run) Children(ctx context.Context) iter.Seq2[*Run, error] {
	return func(yield func(*Run, error) bool) {
		for rec, err := range r.st.Runs(ctx, store.RunFilter{ParentID: r.id}) {
			if err != nil {
				yield(nil, errorf("experiment: listing the children of run %s: %w", r.id, err))
				return
			}
			if !yield(newRun(r.ws, r.st, rec), nil) {
				return
			}
		}
	}
}
