package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Experiment is a named group of runs.
type Experiment struct {
	Name      string
	CreatedAt time.Time
}

// EnsureExperiment returns the experiment called name, creating it first if
// it does not exist.
func (s *Store) EnsureExperiment(ctx context.Context, name string) (Experiment, error) {
	if name == "" {
		return Experiment{}, errors.New("store: empty experiment name")
	}
	var e Experiment
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = ensureExperiment(ctx, tx, name)
		return err
	})
	return e, err
}

// ensureExperiment creates the experiment in tx if needed and returns it.
func ensureExperiment(ctx context.Context, tx *sql.Tx, name string) (Experiment, error) {
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, now().UnixNano()); err != nil {
		return Experiment{}, fmt.Errorf("store: create experiment %q: %w", name, err)
	}
	var created sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT created_at FROM experiments WHERE name = ?`, name).Scan(&created); err != nil {
		return Experiment{}, fmt.Errorf("store: read experiment %q: %w", name, err)
	}
	return Experiment{Name: name, CreatedAt: timeFrom(created)}, nil
}

// Experiment returns the experiment called name, or an error wrapping
// ErrNotFound.
func (s *Store) Experiment(ctx context.Context, name string) (Experiment, error) {
	var e Experiment
	err := s.read(ctx, func(tx *sql.Tx) error {
		var created sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT created_at FROM experiments WHERE name = ?`, name).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: experiment %q", ErrNotFound, name)
		}
		if err != nil {
			return fmt.Errorf("store: read experiment %q: %w", name, err)
		}
		e = Experiment{Name: name, CreatedAt: timeFrom(created)}
		return nil
	})
	return e, err
}

// Experiments lists all experiments, sorted by name.
func (s *Store) Experiments(ctx context.Context) iter.Seq2[Experiment, error] {
	return listQuery(ctx, s, scanExperiment, `SELECT name, created_at FROM experiments ORDER BY name`)
}

func scanExperiment(sc rowScanner) (Experiment, error) {
	var e Experiment
	var created sql.NullInt64
	if err := sc.Scan(&e.Name, &created); err != nil {
		return Experiment{}, err
	}
	e.CreatedAt = timeFrom(created)
	return e, nil
}
