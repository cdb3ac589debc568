package hyperdrive

import (
	"context"
	"encoding/json"
	"time"

	"github.com/amlgo/amlgo/internal/store"
)

// BestChildTable is the parent's metric table that records the sweep's best child as the sweep
// goes, as the HyperDrive service does: one row (run_id, metric_name, metric_value, final,
// timestamp) each time the best child or its best value changes, and a last row with final
// true when the sweep ends with at least one value. The parent's own metrics (h.Run.Metrics)
// show it as columns. BestRunByPrimaryMetric does not depend on it: it sorts the children,
// honouring its options.
const BestChildTable = "best_child_by_primary_metric"

// bestRow is one row of BestChildTable.
type bestRow struct {
	RunID       string  `json:"run_id"`
	MetricName  string  `json:"metric_name"`
	MetricValue float64 `json:"metric_value"`
	Final       bool    `json:"final"`
	Timestamp   string  `json:"timestamp"`
}

// bestOf is this sweep's best child among trials (the lowest number on ties), if any child has
// logged the primary metric.
func (c *controller) bestOf(trials []*trial) (id string, value float64, ok bool) {
	goal := c.s.PrimaryMetric.Goal
	for _, t := range trials {
		if t.Child == nil || len(t.Values) == 0 {
			continue
		}
		v := best(t.Values, goal)
		if !ok || goal == Minimize && v < value || goal != Minimize && v > value {
			id, value, ok = t.Child.ID, v, true
		}
	}
	return id, value, ok
}

// loadBest reads the last row of the parent's table (a resumed sweep goes on from it).
func (c *controller) loadBest(ctx context.Context) error {
	ms, err := c.h.st.Metrics(ctx, c.h.ID())
	if err != nil {
		return err
	}
	for _, m := range ms {
		var r bestRow
		if m.Name == BestChildTable && json.Unmarshal(m.Value, &r) == nil {
			c.lastBest = &r
		}
	}
	return nil
}

// recordBest adds a row to the parent's table when the best child changed since the last row,
// or, with final, to close the table. trials carry their metric values (withMetrics).
func (c *controller) recordBest(ctx context.Context, trials []*trial, final bool) error {
	id, value, ok := c.bestOf(trials)
	if !ok {
		return nil
	}
	if l := c.lastBest; l != nil && l.RunID == id && l.MetricValue == value && (l.Final || !final) {
		return nil
	}
	now := time.Now().UTC()
	row := bestRow{RunID: id, MetricName: c.s.PrimaryMetric.Name, MetricValue: value, Final: final, Timestamp: now.Format(time.RFC3339Nano)}
	b, err := json.Marshal(row)
	if err != nil {
		return err
	}
	// The parent has no metrics file: each row's offset is its time, unique and in order
	// across the processes that drive the sweep in turn.
	if err := c.h.st.AddMetrics(ctx, []store.Metric{{RunID: c.h.ID(), Offset: now.UnixNano(), Name: BestChildTable, Type: "row", Value: b, Time: now}}); err != nil {
		return err
	}
	c.lastBest = &row
	return nil
}
