package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Metric is one metric record of a run (one line of its metrics.jsonl).
type Metric struct {
	RunID string
	// Offset is the byte offset of the record in the run's metrics.jsonl; a
	// record is stored once per (RunID, Offset), so re-ingesting a file is
	// harmless.
	Offset int64
	Name   string
	// Type is "scalar", "list", "row", "table" or "image".
	Type        string
	Description string
	Value       json.RawMessage
	Step        *int64
	// Time is when the script logged the metric; zero when unknown.
	Time time.Time
}

// AddMetrics stores the metrics, ignoring those whose (RunID, Offset) is
// already stored. Every run referred to must exist (else an error wrapping
// ErrNotFound, and nothing is stored).
func (s *Store) AddMetrics(ctx context.Context, ms []Metric) error {
	if len(ms) == 0 {
		return nil
	}
	for _, m := range ms {
		if m.RunID == "" || m.Name == "" || m.Type == "" {
			return fmt.Errorf("store: metric at offset %d of run %q: run id, name and type are required", m.Offset, m.RunID)
		}
		if !json.Valid(m.Value) {
			return fmt.Errorf("store: metric %q of run %s: value is not valid JSON", m.Name, m.RunID)
		}
		if err := checkTimes("metric time", m.Time); err != nil {
			return err
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		checked := map[string]bool{}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO metrics (run_id, byte_offset, name, type, description, value, step, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, byte_offset) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("store: add metrics: %w", err)
		}
		defer stmt.Close()
		for _, m := range ms {
			if !checked[m.RunID] {
				if err := requireRun(ctx, tx, m.RunID); err != nil {
					return err
				}
				checked[m.RunID] = true
			}
			var step any
			if m.Step != nil {
				step = *m.Step
			}
			if _, err := stmt.ExecContext(ctx, m.RunID, m.Offset, m.Name, m.Type, m.Description,
				string(m.Value), step, timeArg(m.Time)); err != nil {
				return fmt.Errorf("store: add metric %q of run %s: %w", m.Name, m.RunID, err)
			}
		}
		return nil
	})
}

// Metrics returns the run's metrics in offset order.
func (s *Store) Metrics(ctx context.Context, runID string) ([]Metric, error) {
	var ms []Metric
	err := s.read(ctx, func(tx *sql.Tx) error {
		ms = nil
		if err := requireRun(ctx, tx, runID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT byte_offset, name, type, description, value, step, at
			FROM metrics WHERE run_id = ? ORDER BY byte_offset`, runID)
		if err != nil {
			return fmt.Errorf("store: read metrics of run %s: %w", runID, err)
		}
		defer rows.Close()
		for rows.Next() {
			m := Metric{RunID: runID}
			var value string
			var step, at sql.NullInt64
			if err := rows.Scan(&m.Offset, &m.Name, &m.Type, &m.Description, &value, &step, &at); err != nil {
				return err
			}
			m.Value = json.RawMessage(value)
			if step.Valid {
				v := step.Int64
				m.Step = &v
			}
			m.Time = timeFrom(at)
			ms = append(ms, m)
		}
		return rows.Err()
	})
	return ms, err
}
