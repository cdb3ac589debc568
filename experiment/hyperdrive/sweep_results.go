package hyperdrive

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/amlgo/amlgo/experiment"
)

// ErrNoBestRun means no child run (of the kinds asked for) has logged the primary metric:
// azureml's get_best_run_by_primary_metric returns None then.
var ErrNoBestRun = errors.New("hyperdrive: no child run has logged the primary metric")

// Hyperparameters returns each child's hyperparameter values by child run id (azureml's
// get_hyperparameters, which gives the same as JSON text): the configurations recorded on
// the parent as tags <parent>_<n>. A configuration is recorded before its child is launched.
func (h *HyperDriveRun) Hyperparameters(ctx context.Context) (map[string]map[string]any, error) {
	trials, err := loadTrials(ctx, h.st, h.ID(), "", false)
	if err != nil {
		return nil, fmt.Errorf("hyperdrive: %w", err)
	}
	out := map[string]map[string]any{}
	for _, t := range trials {
		if t.Params != nil {
			out[childID(h.ID(), t.Number)] = t.Params
		}
	}
	return out, nil
}

// Metrics returns every child's metrics by child run id (azureml's HyperDriveRun.get_metrics),
// each in experiment.Run.Metrics's shapes.
func (h *HyperDriveRun) Metrics(ctx context.Context) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for c, err := range h.Run.Children(ctx) {
		if err != nil {
			return nil, err
		}
		m, err := c.Metrics(ctx)
		if err != nil {
			return nil, err
		}
		out[c.ID()] = m
	}
	return out, nil
}

// ChildResult is one child of ChildrenSortedByPrimaryMetric (azureml's dictionary of run_id,
// hyperparameters, best_primary_metric and status).
type ChildResult struct {
	RunID string
	// Hyperparameters are the child's values (nil when none were recorded).
	Hyperparameters map[string]any
	// BestPrimaryMetric is the best value of the primary metric the child logged (the
	// largest when maximizing); nil when it logged none.
	BestPrimaryMetric *float64
	Status            experiment.Status
}

// SortOptions are the options of ChildrenSortedByPrimaryMetric; the zero value lists every
// child, best first.
type SortOptions struct {
	// Top keeps the first Top children; 0 keeps all.
	Top int
	// Reverse lists the children with the metric worst first; those without it stay last.
	Reverse bool
	// DiscardNoMetric leaves out the children that have not logged the primary metric.
	DiscardNoMetric bool
}

// ChildrenSortedByPrimaryMetric lists the children by their best primary metric, best first
// (azureml's get_children_sorted_by_primary_metric): children without the metric come last,
// in child order, and Reverse does not move them. Ties keep child order.
func (h *HyperDriveRun) ChildrenSortedByPrimaryMetric(ctx context.Context, opts *SortOptions) ([]ChildResult, error) {
	var o SortOptions
	if opts != nil {
		o = *opts
	}
	if o.Top < 0 {
		return nil, fmt.Errorf("hyperdrive: Value of parameter top should be 0 or a positive integer")
	}
	if h.state == nil {
		return nil, h.stateErr
	}
	goal := h.state.PrimaryMetric.Goal
	trials, err := loadTrials(ctx, h.st, h.ID(), h.state.PrimaryMetric.Name, true)
	if err != nil {
		return nil, fmt.Errorf("hyperdrive: %w", err)
	}
	var with, without []ChildResult
	for _, t := range trials {
		if t.Child == nil {
			continue
		}
		r := ChildResult{RunID: t.Child.ID, Hyperparameters: t.Params, Status: experiment.Status(t.Child.Status)}
		if len(t.Values) == 0 {
			if !o.DiscardNoMetric {
				without = append(without, r)
			}
			continue
		}
		b := best(t.Values, goal)
		r.BestPrimaryMetric = &b
		with = append(with, r)
	}
	descending := (goal != Minimize) != o.Reverse
	sort.SliceStable(with, func(i, j int) bool {
		if descending {
			return *with[i].BestPrimaryMetric > *with[j].BestPrimaryMetric
		}
		return *with[i].BestPrimaryMetric < *with[j].BestPrimaryMetric
	})
	out := append(with, without...)
	if o.Top > 0 && o.Top < len(out) {
		out = out[:o.Top]
	}
	return out, nil
}

// BestRunOptions are the options of BestRunByPrimaryMetric; the zero value considers every
// child, as azureml's defaults do.
type BestRunOptions struct {
	// ExcludeFailed and ExcludeCanceled leave out children that ended so (azureml's
	// include_failed=False, include_canceled=False).
	ExcludeFailed, ExcludeCanceled bool
	// ExcludeResumeFrom leaves out the children of the sweeps this one resumed from
	// (include_resume_from_runs=False).
	ExcludeResumeFrom bool
}

// BestRunByPrimaryMetric returns the child with the best primary metric (azureml's
// get_best_run_by_primary_metric), or ErrNoBestRun. A best value of exactly 0 counts (azureml
// drops it: "if child_run and value").
func (h *HyperDriveRun) BestRunByPrimaryMetric(ctx context.Context, opts *BestRunOptions) (*experiment.Run, error) {
	var o BestRunOptions
	if opts != nil {
		o = *opts
	}
	if h.state == nil {
		return nil, h.stateErr
	}
	candidates := []*HyperDriveRun{h}
	if !o.ExcludeResumeFrom {
		for _, id := range h.state.ResumeFrom {
			r, err := GetRun(ctx, h.ws, id)
			if err != nil {
				return nil, err
			}
			candidates = append(candidates, r)
		}
	}
	goal := h.state.PrimaryMetric.Goal
	var bestID string
	var bestValue float64
	for _, c := range candidates {
		children, err := c.ChildrenSortedByPrimaryMetric(ctx, &SortOptions{DiscardNoMetric: true})
		if err != nil {
			return nil, err
		}
		for _, r := range children {
			if o.ExcludeFailed && r.Status == experiment.StatusFailed || o.ExcludeCanceled && r.Status == experiment.StatusCanceled {
				continue
			}
			if v := *r.BestPrimaryMetric; bestID == "" || goal == Minimize && v < bestValue || goal != Minimize && v > bestValue {
				bestID, bestValue = r.RunID, v
			}
			break // sorted: the first eligible child is this sweep's best
		}
	}
	if bestID == "" {
		return nil, ErrNoBestRun
	}
	return experiment.GetRun(ctx, h.ws, bestID)
}
