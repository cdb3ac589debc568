package hyperdrive

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// ErrNotHyperDrive means a run is not a sweep's parent run.
var ErrNotHyperDrive = errors.New("hyperdrive: not a HyperDrive run")

// HyperDriveRun is a sweep's parent run (azureml's HyperDriveRun): an interactive run of type
// "hyperdrive" with the id HD_<uuid4> (the embedded *experiment.Run gives its status, tags,
// properties and files) whose children <id>_<n>, n = 0, 1, …, are the sweep's trials:
// ordinary script runs on the sweep's targets, with their own logs, metrics and outputs.
//
// The parent carries azureml's tags (generator_config, policy_config, primary_metric_config,
// platform_config, max_total_jobs, max_concurrent_jobs, max_duration_minutes, and
// <id>_<n> = each child's hyperparameters as JSON) and properties (resume_from,
// resume_child_runs, platform), so that azureml's HyperDriveConfig could be rebuilt from it;
// its file azureml-logs/hyperdrive.txt is the sweep's log in azureml's record format.
//
// Its final status, azureml's being unpublished: Canceled when the sweep was canceled;
// Failed when every child failed (or a child could not be launched at all); otherwise
// Completed — a sweep that reached max_duration_minutes included. A child stopped by the
// policy, the deadline or the cancel ends Canceled, with the reason as its error message.
type HyperDriveRun struct {
	*experiment.Run

	ws       *workspace.Workspace
	st       *store.Store
	state    *sweepState // nil when stateErr is set
	stateErr error
}

// SubmitOptions are the options of Submit. A nil *SubmitOptions gives the defaults.
type SubmitOptions struct {
	// Targets are compute targets built with non-default options, used instead of looking
	// the Config's target names up in the workspace (matched by name).
	Targets []compute.ComputeTarget
	// OnWarning receives Config.Warnings and the targets' warnings about the run
	// configuration (compute.Checker), one message each.
	OnWarning func(msg string)
	// Logger receives structured debug logs of the sweep's controller; nil discards them.
	Logger *slog.Logger
}

// Submit starts a sweep of cfg in exp (azureml's experiment.submit(hyperdrive_config)) and
// returns its parent run once the sweep is recorded. It lives here rather than as a method of
// Experiment because package experiment cannot know this package's types: this way the result
// is a *HyperDriveRun without a type assertion.
//
// The sweep runs in this process: from Submit on, a controller samples configurations,
// launches the children (at most MaxConcurrentRuns at once, each configuration recorded on the
// parent before its child is launched), applies the policy and ends the parent when the last
// child ends. If this process ends first, the children go on, and the next WaitForCompletion
// on the parent, in any process that opens the workspace, resumes the sweep where it was: no
// trial is lost or run twice. A lock in the workspace makes sure that one process at a time
// drives a sweep.
//
// Errors: a Config that fails Validate, a script that is not in the source directory, an
// unknown target or one that refuses the run configuration give an error wrapping
// ErrInvalidConfig before anything is recorded.
func Submit(ctx context.Context, exp *experiment.Experiment, cfg Config, opts *SubmitOptions) (*HyperDriveRun, error) {
	var o SubmitOptions
	if opts != nil {
		o = *opts
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := cfg.normalized()
	ws := exp.Workspace()
	src := *c.RunConfig
	if err := src.Validate(); err != nil {
		return nil, fmt.Errorf("%w: run_config: %w", ErrInvalidConfig, err)
	}
	rc, err := src.RunConfiguration()
	if err != nil {
		return nil, fmt.Errorf("%w: run_config: %w", ErrInvalidConfig, err)
	}
	if rc.Command != "" {
		return nil, fmt.Errorf("%w: run_config uses a command; a sweep passes the hyperparameters as the script's arguments, so set ScriptRunConfig.Script", ErrInvalidConfig)
	}
	names := c.Targets
	if len(names) == 0 {
		names = []string{rc.Target}
	}
	warn := func(msg string) {
		if o.OnWarning != nil {
			o.OnWarning(msg)
		}
	}
	for _, w := range c.Warnings() {
		warn(w)
	}
	resolver := newTargets(ws, o.Targets)
	var seen []string
	for _, name := range names {
		t, err := resolver.get(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%w: target %q: %w", ErrInvalidConfig, name, err)
		}
		if chk, ok := t.(compute.Checker); ok {
			w, err := chk.Check(ctx, childRunConfig(rc, name, nil))
			if err != nil {
				return nil, fmt.Errorf("%w: target %q: %w", ErrInvalidConfig, name, err)
			}
			for _, m := range w {
				if !slices.Contains(seen, m) {
					seen = append(seen, m)
					warn(m)
				}
			}
		}
	}
	tags, err := parentTags(c)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	var seed [8]byte
	_, _ = rand.Read(seed[:])
	props, err := parentProperties(ws, c, amlgoSweep{Seed: int64(binary.LittleEndian.Uint64(seed[:]) >> 1), Targets: names})
	if err != nil {
		return nil, err
	}
	parent, err := exp.StartRun(ctx, &experiment.StartRunOptions{
		RunID: "HD_" + uuid4(), RunType: RunType, Target: rc.Target,
		SnapshotDirectory: src.SourceDirectory, Tags: tags, Properties: props,
	})
	if err != nil {
		return nil, err
	}
	recorded, err := parent.Properties(ctx)
	if err != nil {
		return nil, err
	}
	platform, err := platformTag(ws, exp.Name(), rc, recorded[snapshotProperty])
	if err != nil {
		return nil, err
	}
	if err := parent.SetTags(ctx, map[string]string{tagPlatform: platform}); err != nil {
		return nil, err
	}
	hd, err := fromRun(ctx, ws, parent)
	if err != nil {
		return nil, err
	}
	if hd.stateErr != nil {
		return nil, hd.stateErr
	}
	if err := appendLog(ws, parent.ID(), "API", "INFO", "Experiment created"); err != nil {
		return nil, err
	}
	ensureDriving(hd, resolver, o.Logger)
	return hd, nil
}

// GetRun returns the sweep whose parent run has id in ws.
func GetRun(ctx context.Context, ws *workspace.Workspace, id string) (*HyperDriveRun, error) {
	r, err := experiment.GetRun(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	return fromRun(ctx, ws, r)
}

// FromRun returns the sweep whose parent run is r (for a run found by listing an
// experiment's runs).
func FromRun(ctx context.Context, r *experiment.Run) (*HyperDriveRun, error) {
	ws, err := workspaceOf(ctx, r)
	if err != nil {
		return nil, err
	}
	return fromRun(ctx, ws, r)
}

func fromRun(ctx context.Context, ws *workspace.Workspace, r *experiment.Run) (*HyperDriveRun, error) {
	if r.Type() != RunType {
		return nil, fmt.Errorf("%w: run %s has type %q", ErrNotHyperDrive, r.ID(), r.Type())
	}
	st, err := wsaccess.Store(ws)
	if err != nil {
		return nil, fmt.Errorf("hyperdrive: %w", err)
	}
	tags, err := r.Tags(ctx)
	if err != nil {
		return nil, err
	}
	props, err := r.Properties(ctx)
	if err != nil {
		return nil, err
	}
	hd := &HyperDriveRun{Run: r, ws: ws, st: st}
	hd.state, hd.stateErr = readState(tags, props)
	return hd, nil
}

// workspaceOf is the workspace of a run handle.
func workspaceOf(_ context.Context, r *experiment.Run) (*workspace.Workspace, error) {
	ws := r.Workspace()
	if ws == nil {
		return nil, fmt.Errorf("hyperdrive: run %s has no workspace", r.ID())
	}
	return ws, nil
}

// recordedStatus is the parent's status as recorded ("" when it cannot be read).
func (h *HyperDriveRun) recordedStatus() string {
	st, err := h.Run.Status(context.Background())
	if err != nil {
		return ""
	}
	return string(st)
}

// PrimaryMetricName and PrimaryMetricGoal are the sweep's primary metric.
func (h *HyperDriveRun) PrimaryMetricName() string {
	if h.state == nil {
		return ""
	}
	return h.state.PrimaryMetric.Name
}

// PrimaryMetricGoal returns whether the primary metric is maximized or minimized.
func (h *HyperDriveRun) PrimaryMetricGoal() PrimaryMetricGoal {
	if h.state == nil {
		return ""
	}
	return h.state.PrimaryMetric.Goal
}

// Cancel cancels the sweep (azureml's HyperDriveRun.cancel): it records the request on the
// parent (CancelRequested), cancels every child that has not ended, and returns; no further
// child is launched. The parent ends Canceled once its children have ended, under the
// process driving the sweep (this one, if no other does).
func (h *HyperDriveRun) Cancel(ctx context.Context) error {
	if err := h.Run.Cancel(ctx); err != nil {
		return fmt.Errorf("hyperdrive: Exception occurred while cancelling HyperDrive run. %w", err)
	}
	if err := cancelChildren(ctx, h, canceledByParent); err != nil {
		return fmt.Errorf("hyperdrive: Exception occurred while cancelling HyperDrive run. %w", err)
	}
	ensureDriving(h, newTargets(h.ws, nil), nil)
	return nil
}

// canceledByParent is the reason of a child canceled with its sweep.
const canceledByParent = "The HyperDrive run was canceled."

// cancelChildren cancels every child of h that has not ended.
func cancelChildren(ctx context.Context, h *HyperDriveRun, reason string) error {
	var errs []error
	for c, err := range h.Run.Children(ctx) {
		if err != nil {
			return err
		}
		if st, err := c.Status(ctx); err == nil && st.Terminal() {
			continue
		}
		if err := c.CancelWithReason(ctx, reason); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// childRunConfig returns the run configuration of a child on target with the values
// appended to its arguments.
func childRunConfig(base *runconfig.RunConfiguration, target string, values map[string]any) *runconfig.RunConfiguration {
	rc := base.Clone()
	rc.Target = target
	for _, a := range hyperparameterArguments(values) {
		rc.Arguments = append(rc.Arguments, a)
	}
	return rc
}

// uuid4 returns a random (version 4) UUID.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
