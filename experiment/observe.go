package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/store"
)

// observer follows one run's execution: every step observes the target once, records new
// metric records in the workspace, moves the run's status, and finalizes the run when it ends.
// Recording is idempotent (records are keyed by their offset), so several observers — in one
// process or several — may follow the same run.
type observer struct {
	r    *Run
	exec compute.Execution // nil: the run never started
	cur  compute.Cursor

	shimStatus Status // set by run.complete()/run.fail() in the script
	shimError  string
	children   map[string]bool
	models     []modelRequest
	done       bool
}

func (r *Run) newObserver(ctx context.Context) (*observer, error) {
	exec, err := r.execution(ctx)
	if err != nil {
		return nil, err
	}
	return &observer{r: r, exec: exec, children: map[string]bool{}}, nil
}

// step observes once. It returns the observation (nil when the run never started or has already
// been finalized) and whether the run has ended.
func (o *observer) step(ctx context.Context) (*compute.Observation, bool, error) {
	if o.done {
		return nil, true, nil
	}
	rec, err := o.r.refresh(ctx)
	if err != nil {
		return nil, false, err
	}
	if o.exec == nil && len(rec.ExecState) > 0 {
		// Launched since this observer was made (by another process still in Submit).
		if o.exec, err = o.r.execution(ctx); err != nil {
			return nil, false, err
		}
	}
	if o.exec == nil {
		o.done = Status(rec.Status).Terminal()
		if !o.done && !rec.Interactive {
			// Recorded but never launched (the submitting process died before Start returned).
			if time.Since(rec.CreatedAt) > 5*time.Minute {
				err := o.r.finish(ctx, StatusFailed, "The run was never started: the submitting process ended before launching it.", nil, "SystemError")
				return nil, true, err
			}
		}
		return nil, o.done, nil
	}
	obs, err := o.exec.Observe(ctx, o.cur)
	if err != nil {
		return nil, false, errorf("experiment: observing run %s: %w", o.r.id, err)
	}
	if err := o.ingest(ctx, obs.Records); err != nil {
		return nil, false, err
	}
	o.cur = obs.Next
	status := Status(obs.Status)
	if !obs.StartedAt.IsZero() && rec.StartedAt.IsZero() {
		if err := o.r.st.UpdateRun(ctx, o.r.id, func(r *store.Run) error {
			r.StartedAt = obs.StartedAt
			return nil
		}); err != nil {
			return nil, false, errorf("experiment: %w", err)
		}
	}
	if !status.Terminal() {
		if Status(rec.Status).Terminal() {
			return obs, true, nil // finalized elsewhere (e.g. canceled before it started)
		}
		if status != Status(rec.Status) && !(rec.Status == string(StatusCancelRequested) && status == StatusRunning) {
			err := o.r.st.SetStatus(ctx, o.r.id, string(status), time.Now().UTC())
			if errors.Is(err, store.ErrEnded) {
				return obs, true, nil // finalized elsewhere since it was read
			}
			if err != nil {
				return nil, false, errorf("experiment: %w", err)
			}
		}
		return obs, false, nil
	}
	if obs.PollAfter == 0 && len(obs.Logs)+len(obs.Records) > 0 {
		// The target has more output than one observation carries: read it before finalizing.
		return obs, false, nil
	}
	if !Status(rec.Status).Terminal() {
		if err := o.finalize(ctx, obs); err != nil {
			return nil, false, err
		}
	}
	o.done = true
	return obs, true, nil
}

// drain observes until the target has nothing more to report right now (or the run ended),
// passing log chunks to sink.
func (o *observer) drain(ctx context.Context, sink func(compute.LogChunk)) (bool, error) {
	for {
		obs, done, err := o.step(ctx)
		if err != nil {
			return false, err
		}
		if obs != nil && sink != nil {
			for _, c := range obs.Logs {
				sink(c)
			}
		}
		if done || obs == nil || obs.PollAfter != 0 {
			return done, nil
		}
	}
}

// finalize collects the run's outputs and records its final status.
func (o *observer) finalize(ctx context.Context, obs *compute.Observation) error {
	r := o.r
	if err := r.st.SetStatus(ctx, r.id, string(StatusFinalizing), time.Now().UTC()); errors.Is(err, store.ErrEnded) {
		return nil // finalized elsewhere since it was read
	} else if err != nil {
		return errorf("experiment: %w", err)
	}
	if col, ok := o.exec.(compute.OutputCollector); ok {
		var arts []store.Artifact
		err := col.CollectOutputs(ctx, func(name string, rd io.Reader) error {
			sha, size, err := r.st.PutBlob(ctx, rd)
			if err != nil {
				return err
			}
			arts = append(arts, store.Artifact{RunID: r.id, Name: name, SHA256: sha, Size: size})
			return nil
		})
		if err != nil {
			return errorf("experiment: collecting the outputs of run %s: %w", r.id, err)
		}
		if err := r.st.AddArtifacts(ctx, r.id, arts); err != nil {
			return errorf("experiment: recording the outputs of run %s: %w", r.id, err)
		}
	}
	status, reason, code := Status(obs.Status), obs.Reason, "UserError"
	if obs.SystemError {
		code = "SystemError"
	}
	if status == StatusCanceled {
		if props, err := r.st.Properties(ctx, r.id); err == nil && props[cancelReasonProperty] != "" {
			reason = props[cancelReasonProperty]
		}
	}
	if status == StatusCompleted && o.shimStatus == StatusFailed {
		status, reason = StatusFailed, o.shimError
		if reason == "" {
			reason = "The script marked the run as failed (run.fail())."
		}
	} else if status == StatusFailed && !obs.SystemError && obs.ExitCode != nil && *obs.ExitCode != 0 {
		// azureml's error details name the script's exception.
		if exc := r.scriptErrorOf(ctx); exc != "" {
			reason = joinSentences("User program failed with "+exc, reason)
		}
	}
	for _, m := range o.models {
		if err := o.registerRequestedModel(ctx, m); err != nil {
			reason = joinReason(reason, fmt.Sprintf("registering model %q requested by the script: %v", m.Name, err))
		}
	}
	for child := range o.children {
		if err := o.finishChild(ctx, child, status); err != nil {
			return err
		}
	}
	if err := r.st.UpdateRun(ctx, r.id, func(rec *store.Run) error {
		if Status(rec.Status).Terminal() {
			return store.ErrEnded // its end, recorded elsewhere meanwhile, stays as it is
		}
		if rec.StartedAt.IsZero() {
			rec.StartedAt = obs.StartedAt
		}
		if !obs.EndedAt.IsZero() {
			rec.EndedAt = obs.EndedAt
		}
		return nil
	}); errors.Is(err, store.ErrEnded) {
		_, err = r.refresh(ctx)
		return err
	} else if err != nil {
		return errorf("experiment: %w", err)
	}
	return r.finish(ctx, status, reason, obs.ExitCode, code)
}

// modelRequestProperty is the model property naming the script request a model came from.
const modelRequestProperty = "amlgo.registerModelRequest"

// registerRequestedModel carries out a script's Run.register_model once: a model already
// registered for the same request (by an earlier finalization) is not registered again.
func (o *observer) registerRequestedModel(ctx context.Context, m modelRequest) error {
	for existing, err := range o.r.st.Models(ctx, m.Name) {
		if err != nil {
			return err
		}
		if existing.Properties[modelRequestProperty] == m.Source {
			return nil
		}
	}
	opts := m.Options
	opts.Properties = maps.Clone(opts.Properties)
	if opts.Properties == nil {
		opts.Properties = map[string]string{}
	}
	opts.Properties[modelRequestProperty] = m.Source
	_, err := o.r.RegisterModel(ctx, m.Name, &opts)
	return err
}

// joinSentences joins a and b as sentences.
func joinSentences(a, b string) string {
	if b == "" {
		return a + "."
	}
	return a + ". " + b
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// finishChild ends a child run with its parent unless the child recorded its own end.
func (o *observer) finishChild(ctx context.Context, id string, parent Status) error {
	rec, err := o.r.st.GetRun(ctx, id)
	if err != nil {
		return errorf("experiment: %w", err)
	}
	if Status(rec.Status).Terminal() {
		return nil
	}
	child := newRun(o.r.ws, o.r.st, rec)
	status := parent
	if status == StatusFailed {
		status = StatusCanceled // the child did not fail; its parent ended
	}
	return child.finish(ctx, status, "The parent run ended before the child run completed.", nil, "")
}

// decodeValue re-encodes a JSON value compactly.
func decodeValue(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}
