package hyperdrive

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/store"
)

// trial is one configuration of the sweep: recorded as the parent's tag <parent>_<n> before
// its child <parent>_<n> is launched.
type trial struct {
	Number int
	Params map[string]any
	// Child is the child's record; nil while the child is not (yet) launched.
	Child *store.Run
	// Values are the primary metric's values the child logged, in order.
	Values []float64
}

func (t *trial) terminal() bool {
	return t.Child != nil && experiment.Status(t.Child.Status).Terminal()
}

// running reports whether the child is launched and has neither ended nor been asked to stop.
func (t *trial) running() bool {
	return t.Child != nil && !t.terminal() && t.Child.Status != string(experiment.StatusCancelRequested)
}

// record is what a sampling sees of t.
func (t *trial) record(goal PrimaryMetricGoal) trialRecord {
	r := trialRecord{Number: t.Number, Parameters: t.Params, Terminal: t.terminal()}
	if len(t.Values) > 0 {
		r.HasValue, r.Best = true, best(t.Values, goal)
	}
	return r
}

// best is the best of values for goal.
func best(values []float64, goal PrimaryMetricGoal) float64 {
	b := values[0]
	for _, v := range values[1:] {
		if goal == Minimize && v < b || goal != Minimize && v > b {
			b = v
		}
	}
	return b
}

// childNumber returns n for a child id <parent>_<n>.
func childNumber(parentID, id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, parentID+"_")
	if !ok || rest == "" || strings.TrimLeft(rest, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// childID is the id of child n.
func childID(parentID string, n int) string { return fmt.Sprintf("%s_%d", parentID, n) }

// loadTrials reads the sweep's trials from the store: the configurations recorded on the
// parent, their children and the primary metric each child logged (withMetrics).
func loadTrials(ctx context.Context, st *store.Store, parentID, metric string, withMetrics bool) ([]*trial, error) {
	tags, err := st.Tags(ctx, parentID)
	if err != nil {
		return nil, err
	}
	byNumber := map[int]*trial{}
	for k, v := range tags {
		n, ok := childNumber(parentID, k)
		if !ok {
			continue
		}
		var params map[string]any
		if err := json.Unmarshal([]byte(v), &params); err != nil {
			return nil, fmt.Errorf("hyperdrive: the hyperparameters of %s (tag %s) are not JSON: %w", k, k, err)
		}
		byNumber[n] = &trial{Number: n, Params: params}
	}
	for rec, err := range st.Runs(ctx, store.RunFilter{ParentID: parentID}) {
		if err != nil {
			return nil, err
		}
		n, ok := childNumber(parentID, rec.ID)
		if !ok {
			continue
		}
		t := byNumber[n]
		if t == nil { // a child whose tag was removed: still one of the sweep's runs
			t = &trial{Number: n}
			byNumber[n] = t
		}
		r := rec
		t.Child = &r
		if withMetrics {
			if t.Values, err = metricValues(ctx, st, rec.ID, metric); err != nil {
				return nil, err
			}
		}
	}
	out := make([]*trial, 0, len(byNumber))
	for _, n := range slices.Sorted(maps.Keys(byNumber)) {
		out = append(out, byNumber[n])
	}
	return out, nil
}

// metricValues returns the numeric values run logged for metric, in the order logged (a
// logged list counts as its values in order).
func metricValues(ctx context.Context, st *store.Store, runID, metric string) ([]float64, error) {
	ms, err := st.Metrics(ctx, runID)
	if err != nil {
		return nil, err
	}
	var out []float64
	for _, m := range ms {
		if m.Name != metric {
			continue
		}
		var v any
		if json.Unmarshal(m.Value, &v) != nil {
			continue
		}
		switch v := v.(type) {
		case float64:
			out = append(out, v)
		case []any:
			for _, x := range v {
				if f, ok := x.(float64); ok {
					out = append(out, f)
				}
			}
		}
	}
	return finite(out), nil
}

// priorTrials are the finished children of the sweeps a sweep resumes from (Config.ResumeFrom),
// numbered -1, -2, … so that they never collide with the sweep's own.
func priorTrials(ctx context.Context, st *store.Store, ids []string, metric string) ([]*trial, error) {
	var out []*trial
	for _, id := range ids {
		ts, err := loadTrials(ctx, st, id, metric, true)
		if err != nil {
			return nil, fmt.Errorf("hyperdrive: reading resume_from run %s: %w", id, err)
		}
		for _, t := range ts {
			if t.Child == nil || !t.terminal() {
				continue
			}
			t.Number = -1 - len(out)
			out = append(out, t)
		}
	}
	return out, nil
}

// progress is what a policy sees of the trials.
func progress(trials []*trial) []trialProgress {
	out := make([]trialProgress, 0, len(trials))
	for _, t := range trials {
		if t.Child == nil {
			continue
		}
		out = append(out, trialProgress{Number: t.Number, Running: t.running(), Values: t.Values})
	}
	return out
}

// finite drops NaN and infinities, which no comparison can rank.
func finite(vs []float64) []float64 {
	out := vs[:0:0]
	for _, v := range vs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}
