package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"
)

// StatusNotStarted is the status CreateRun records when Run.Status is empty.
const StatusNotStarted = "NotStarted"

// Run is one run of an experiment as recorded in the store.
type Run struct {
	ID          string
	Experiment  string
	Target      string
	Status      string
	ParentID    string
	SnapshotID  string
	DisplayName string

	// CreatedAt, StartedAt and EndedAt are zero when unset.
	CreatedAt, StartedAt, EndedAt time.Time

	// Definition is the full run definition (never secrets).
	Definition json.RawMessage
	// ExecState is the target-specific state needed to reattach to the
	// execution after a restart.
	ExecState json.RawMessage
	// ExitCode is the script's exit code, nil until known.
	ExitCode *int
	// Error holds azureml-style error details; nil when there is none.
	Error json.RawMessage
	// RunType is azureml's run type ("azureml.scriptrun", "hyperdrive", …); "" for runs
	// recorded before run types were.
	RunType string
	// Interactive marks a run that the program that created it drives (no execution on a
	// target): its status changes only when that program says so.
	Interactive bool
}

// StatusChange is one entry of a run's status history.
type StatusChange struct {
	Status string
	At     time.Time
}

// RunFilter selects runs for Runs. Zero fields select everything.
type RunFilter struct {
	// Experiment keeps the runs of this experiment.
	Experiment string
	// Statuses keeps the runs whose status is one of these.
	Statuses []string
	// Tags keeps the runs that have every one of these tags; an empty value
	// only requires the key to be present.
	Tags map[string]string
	// Properties is like Tags, for run properties.
	Properties map[string]string
	// ParentID keeps the children of this run.
	ParentID string
	// TopLevel keeps only the runs without a parent (azureml's
	// include_children=False).
	TopLevel bool
}

const runColumns = `id, experiment, target, status, parent_id, snapshot_id, display_name,
	created_at, started_at, ended_at, definition, exec_state, exit_code, error, run_type, interactive`

type rowScanner interface{ Scan(dest ...any) error }

func scanRun(sc rowScanner) (Run, error) {
	var r Run
	var created, started, ended, exitCode sql.NullInt64
	var def, exec, runErr sql.NullString
	if err := sc.Scan(&r.ID, &r.Experiment, &r.Target, &r.Status, &r.ParentID, &r.SnapshotID, &r.DisplayName,
		&created, &started, &ended, &def, &exec, &exitCode, &runErr, &r.RunType, &r.Interactive); err != nil {
		return Run{}, err
	}
	r.CreatedAt, r.StartedAt, r.EndedAt = timeFrom(created), timeFrom(started), timeFrom(ended)
	r.Definition, r.ExecState, r.Error = jsonFrom(def), jsonFrom(exec), jsonFrom(runErr)
	if exitCode.Valid {
		c := int(exitCode.Int64)
		r.ExitCode = &c
	}
	return r, nil
}

// runArgs validates r and returns its columns in runColumns order.
func runArgs(r Run) ([]any, error) {
	if r.ID == "" {
		return nil, errors.New("store: empty run id")
	}
	if r.Experiment == "" {
		return nil, fmt.Errorf("store: run %s: empty experiment name", r.ID)
	}
	if r.Status == "" {
		return nil, fmt.Errorf("store: run %s: empty status", r.ID)
	}
	if err := checkTimes("run "+r.ID+" time", r.CreatedAt, r.StartedAt, r.EndedAt); err != nil {
		return nil, err
	}
	def, err := jsonArg("run "+r.ID+" definition", r.Definition)
	if err != nil {
		return nil, err
	}
	exec, err := jsonArg("run "+r.ID+" exec state", r.ExecState)
	if err != nil {
		return nil, err
	}
	runErr, err := jsonArg("run "+r.ID+" error", r.Error)
	if err != nil {
		return nil, err
	}
	var exitCode any
	if r.ExitCode != nil {
		exitCode = int64(*r.ExitCode)
	}
	return []any{r.ID, r.Experiment, r.Target, r.Status, r.ParentID, r.SnapshotID, r.DisplayName,
		timeArg(r.CreatedAt), timeArg(r.StartedAt), timeArg(r.EndedAt), def, exec, exitCode, runErr, r.RunType, r.Interactive}, nil
}

// CreateRun records a new run. An empty Status means NotStarted and a zero
// CreatedAt means now; the first status is recorded in the status history.
// The experiment is created if needed. A run with the same ID yields an
// error wrapping ErrExists.
func (s *Store) CreateRun(ctx context.Context, r Run) error {
	if r.Status == "" {
		r.Status = StatusNotStarted
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now()
	}
	args, err := runArgs(r)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if ok, err := runExists(ctx, tx, r.ID); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: run %s", ErrExists, r.ID)
		}
		if _, err := ensureExperiment(ctx, tx, r.Experiment); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO runs (`+runColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...); err != nil {
			return fmt.Errorf("store: create run %s: %w", r.ID, err)
		}
		return appendStatus(ctx, tx, r.ID, r.Status, r.CreatedAt)
	})
}

// GetRun returns the run with the given id, or an error wrapping ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (Run, error) {
	var r Run
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = getRun(ctx, tx, id)
		return err
	})
	return r, err
}

func getRun(ctx context.Context, tx *sql.Tx, id string) (Run, error) {
	r, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("%w: run %s", ErrNotFound, id)
	}
	if err != nil {
		return Run{}, fmt.Errorf("store: read run %s: %w", id, err)
	}
	return r, nil
}

// UpdateRun reads the run, lets fn modify it and writes it back, all in one
// write transaction, so concurrent updates from goroutines or processes never
// overwrite each other. If fn returns an error nothing is written and that
// error is returned. ID, Experiment and CreatedAt cannot be changed. A
// changed Status is appended to the status history with the current time; the
// status of a run that has ended cannot change (ErrEnded).
// fn may be called again if the database was busy; it should only modify
// the Run it is given.
func (s *Store) UpdateRun(ctx context.Context, id string, fn func(*Run) error) error {
	var fnErr error
	err := s.write(ctx, func(tx *sql.Tx) error {
		old, err := getRun(ctx, tx, id)
		if err != nil {
			return err
		}
		r := cloneRun(old)
		if fnErr = fn(&r); fnErr != nil {
			return fnErr
		}
		if r.ID != old.ID || r.Experiment != old.Experiment || !r.CreatedAt.Equal(old.CreatedAt) {
			return fmt.Errorf("store: update run %s: ID, Experiment and CreatedAt cannot change", id)
		}
		if r.Status != old.Status && Ended(old.Status) {
			return endedError(id, old.Status, r.Status)
		}
		args, err := runArgs(r)
		if err != nil {
			return err
		}
		set := make([]any, 0, len(args))
		set = append(set, args[2:7]...) // target .. display_name
		set = append(set, args[8:]...)  // started_at .. interactive
		set = append(set, id)
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET target = ?, status = ?, parent_id = ?, snapshot_id = ?,
			display_name = ?, started_at = ?, ended_at = ?, definition = ?, exec_state = ?, exit_code = ?, error = ?,
			run_type = ?, interactive = ?
			WHERE id = ?`, set...); err != nil {
			return fmt.Errorf("store: update run %s: %w", id, err)
		}
		if r.Status != old.Status {
			return appendStatus(ctx, tx, id, r.Status, now())
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// cloneRun returns a copy of r that shares no memory with it.
func cloneRun(r Run) Run {
	r.Definition = cloneBytes(r.Definition)
	r.ExecState = cloneBytes(r.ExecState)
	r.Error = cloneBytes(r.Error)
	if r.ExitCode != nil {
		c := *r.ExitCode
		r.ExitCode = &c
	}
	return r
}

func cloneBytes(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

// SetStatus sets the run's status and appends it to the status history with
// time at (zero means now). Setting the status the run already has does
// nothing; any other status of a run that has ended is refused with ErrEnded.
func (s *Store) SetStatus(ctx context.Context, id, status string, at time.Time) error {
	if status == "" {
		return fmt.Errorf("store: run %s: empty status", id)
	}
	if at.IsZero() {
		at = now()
	}
	if err := checkTimes("status time", at); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: run %s", ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("store: read run %s: %w", id, err)
		}
		if cur == status {
			return nil
		}
		if Ended(cur) {
			return endedError(id, cur, status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ? WHERE id = ?`, status, id); err != nil {
			return fmt.Errorf("store: set status of run %s: %w", id, err)
		}
		return appendStatus(ctx, tx, id, status, at)
	})
}

// Ended reports whether status is a final one: Completed, Failed or Canceled.
func Ended(status string) bool {
	return status == "Completed" || status == "Failed" || status == "Canceled"
}

func endedError(id, cur, status string) error {
	return fmt.Errorf("%w: run %s is %s, it cannot become %s", ErrEnded, id, cur, status)
}

func appendStatus(ctx context.Context, tx *sql.Tx, id, status string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO run_status_history (run_id, status, at) VALUES (?, ?, ?)`,
		id, status, at.UnixNano()); err != nil {
		return fmt.Errorf("store: record status of run %s: %w", id, err)
	}
	return nil
}

// StatusHistory returns the statuses the run went through, oldest first.
func (s *Store) StatusHistory(ctx context.Context, id string) ([]StatusChange, error) {
	var hist []StatusChange
	err := s.read(ctx, func(tx *sql.Tx) error {
		hist = nil
		if err := requireRun(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT status, at FROM run_status_history WHERE run_id = ? ORDER BY seq`, id)
		if err != nil {
			return fmt.Errorf("store: read status history of run %s: %w", id, err)
		}
		defer rows.Close()
		for rows.Next() {
			var c StatusChange
			var at sql.NullInt64
			if err := rows.Scan(&c.Status, &at); err != nil {
				return err
			}
			c.At = timeFrom(at)
			hist = append(hist, c)
		}
		return rows.Err()
	})
	return hist, err
}

// runExists reports whether a run with the id exists.
func runExists(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: read run %s: %w", id, err)
	}
	return true, nil
}

// requireRun returns an error wrapping ErrNotFound unless the run exists.
func requireRun(ctx context.Context, tx *sql.Tx, id string) error {
	ok, err := runExists(ctx, tx, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: run %s", ErrNotFound, id)
	}
	return nil
}

// runsPageSize is how many runs Runs reads per query; no database
// connection is held while the caller's loop body runs.
const runsPageSize = 200

// Runs lists the runs matching f, newest first (by CreatedAt, then ID).
func (s *Store) Runs(ctx context.Context, f RunFilter) iter.Seq2[Run, error] {
	where, args := f.sql()
	return func(yield func(Run, error) bool) {
		var after *Run
		for {
			page, err := s.runsPage(ctx, where, args, after)
			if err != nil {
				yield(Run{}, err)
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			if len(page) < runsPageSize {
				return
			}
			after = &page[len(page)-1]
		}
	}
}

func (s *Store) runsPage(ctx context.Context, where []string, args []any, after *Run) ([]Run, error) {
	if after != nil {
		c := after.CreatedAt.UnixNano()
		where = append(where[:len(where):len(where)], "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args[:len(args):len(args)], c, c, after.ID)
	}
	q := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, runsPageSize)
	var page []Run
	err := s.read(ctx, func(tx *sql.Tx) error {
		page = page[:0]
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRun(rows)
			if err != nil {
				return err
			}
			page = append(page, r)
		}
		return rows.Err()
	})
	return page, err
}

// sql returns the WHERE conditions and arguments selecting f's runs.
func (f RunFilter) sql() ([]string, []any) {
	var where []string
	var args []any
	if f.Experiment != "" {
		where = append(where, "experiment = ?")
		args = append(args, f.Experiment)
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(",?", len(f.Statuses)-1)+")")
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if f.ParentID != "" {
		where = append(where, "parent_id = ?")
		args = append(args, f.ParentID)
	}
	if f.TopLevel {
		where = append(where, "parent_id = ''")
	}
	for _, kv := range []struct {
		table string
		m     map[string]string
	}{{"run_tags", f.Tags}, {"run_properties", f.Properties}} {
		for _, k := range sortedKeys(kv.m) {
			if v := kv.m[k]; v == "" {
				where = append(where, "EXISTS (SELECT 1 FROM "+kv.table+" t WHERE t.run_id = runs.id AND t.key = ?)")
				args = append(args, k)
			} else {
				where = append(where, "EXISTS (SELECT 1 FROM "+kv.table+" t WHERE t.run_id = runs.id AND t.key = ? AND t.value = ?)")
				args = append(args, k, v)
			}
		}
	}
	return where, args
}
