package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// SetTags adds or replaces the run's tags.
func (s *Store) SetTags(ctx context.Context, runID string, tags map[string]string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := requireRun(ctx, tx, runID); err != nil {
			return err
		}
		for _, k := range sortedKeys(tags) {
			if k == "" {
				return fmt.Errorf("store: run %s: empty tag name", runID)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)
				ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`, runID, k, tags[k]); err != nil {
				return fmt.Errorf("store: set tag %q of run %s: %w", k, runID, err)
			}
		}
		return nil
	})
}

// RemoveTags removes the named tags from the run; absent ones are ignored.
func (s *Store) RemoveTags(ctx context.Context, runID string, keys []string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := requireRun(ctx, tx, runID); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM run_tags WHERE run_id = ? AND key = ?`, runID, k); err != nil {
				return fmt.Errorf("store: remove tag %q of run %s: %w", k, runID, err)
			}
		}
		return nil
	})
}

// Tags returns the run's tags (an empty, non-nil map when it has none).
func (s *Store) Tags(ctx context.Context, runID string) (map[string]string, error) {
	return s.keyValues(ctx, "run_tags", runID)
}

// AddProperties adds properties to the run. Properties are immutable:
// adding a key again with the same value is accepted, with another value it
// fails with an error wrapping ErrImmutableProperty and nothing is added.
func (s *Store) AddProperties(ctx context.Context, runID string, props map[string]string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := requireRun(ctx, tx, runID); err != nil {
			return err
		}
		for _, k := range sortedKeys(props) {
			if k == "" {
				return fmt.Errorf("store: run %s: empty property name", runID)
			}
			var cur string
			err := tx.QueryRowContext(ctx, `SELECT value FROM run_properties WHERE run_id = ? AND key = ?`, runID, k).Scan(&cur)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO run_properties (run_id, key, value) VALUES (?, ?, ?)`,
					runID, k, props[k]); err != nil {
					return fmt.Errorf("store: add property %q of run %s: %w", k, runID, err)
				}
			case err != nil:
				return fmt.Errorf("store: read property %q of run %s: %w", k, runID, err)
			case cur != props[k]:
				return fmt.Errorf("%w: run %s property %q is already set to %q", ErrImmutableProperty, runID, k, cur)
			}
		}
		return nil
	})
}

// Properties returns the run's properties (an empty, non-nil map when it has none).
func (s *Store) Properties(ctx context.Context, runID string) (map[string]string, error) {
	return s.keyValues(ctx, "run_properties", runID)
}

// keyValues reads the key/value rows of runID from table (run_tags or run_properties).
func (s *Store) keyValues(ctx context.Context, table, runID string) (map[string]string, error) {
	m := map[string]string{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		clear(m)
		if err := requireRun(ctx, tx, runID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT key, value FROM `+table+` WHERE run_id = ?`, runID)
		if err != nil {
			return fmt.Errorf("store: read %s of run %s: %w", table, runID, err)
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			m[k] = v
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// sortedKeys returns m's keys in order, so statements run deterministically.
func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
