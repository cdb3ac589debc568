package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/amlgo/amlgo/internal/mlflowrest"
)

// metricRecords reads the job's metrics from the workspace's MLflow endpoint (the MLflow run id
// is the job name) and returns them as metric records in a deterministic order — by time, step,
// key — so that their offsets identify them across observations and processes.
func (e *serviceExecution) metricRecords(ctx context.Context) ([]Record, error) {
	cl, err := e.mlflow(ctx)
	if err != nil {
		return nil, err
	}
	run, err := cl.GetRun(ctx, e.st.Job)
	if errors.Is(err, mlflowrest.ErrNotFound) {
		return nil, nil // the job ended before it had a run in MLflow (it failed in preparation)
	}
	if err != nil {
		return nil, fmt.Errorf("compute: reading the metrics of job %s: %w", e.st.Job, err)
	}
	keys := map[string]bool{}
	for _, m := range run.Metrics {
		keys[m.Key] = true
	}
	var all []mlflowrest.Metric
	for k := range keys {
		for m, err := range cl.MetricHistory(ctx, e.st.Job, k) {
			if err != nil {
				return nil, fmt.Errorf("compute: reading metric %s of job %s: %w", k, e.st.Job, err)
			}
			all = append(all, m)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Timestamp != b.Timestamp {
			return a.Timestamp < b.Timestamp
		}
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		return a.Key < b.Key
	})
	recs := make([]Record, 0, len(all))
	for i, m := range all {
		step := m.Step
		rec := map[string]any{"run_id": e.st.Job, "kind": "metric", "type": "scalar", "name": m.Key,
			"step": step, "ts": time.UnixMilli(m.Timestamp).UTC().Format(time.RFC3339Nano)}
		switch {
		case math.IsNaN(m.Value):
			rec["value"] = "NaN"
		case math.IsInf(m.Value, 0):
			rec["value"] = fmt.Sprint(m.Value)
		default:
			rec["value"] = m.Value
		}
		line, _ := json.Marshal(rec)
		recs = append(recs, Record{Offset: int64(i), Line: line})
	}
	return recs, nil
}

// mlflow is a client of the workspace's MLflow endpoint (its mlFlowTrackingUri), with the
// workspace's credential.
func (e *serviceExecution) mlflow(ctx context.Context) (*mlflowrest.Client, error) {
	ws, err := e.c.az.Clients.Workspaces.Get(ctx, e.c.az.ResourceGroup, e.c.az.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading workspace %s: %w", e.c.az.Name, err)
	}
	if ws.Properties == nil || ws.Properties.MlFlowTrackingURI == nil {
		return nil, fmt.Errorf("compute: workspace %s has no MLflow tracking URI", e.c.az.Name)
	}
	base, err := mlflowrest.TrackingBase(*ws.Properties.MlFlowTrackingURI)
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	return mlflowrest.New(base, &mlflowrest.Options{Token: e.c.az.Clients.Token})
}
