package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// PutSnapshot stores the manifest of snapshot id (JSON produced by package
// snapshot). Storing the same manifest again does nothing; a different
// manifest under an existing id yields an error wrapping ErrExists.
func (s *Store) PutSnapshot(ctx context.Context, id string, manifest []byte) error {
	if id == "" {
		return errors.New("store: empty snapshot id")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT manifest FROM snapshots WHERE id = ?`, id).Scan(&cur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO snapshots (id, manifest, created_at) VALUES (?, ?, ?)`,
				id, string(manifest), now().UnixNano()); err != nil {
				return fmt.Errorf("store: put snapshot %s: %w", id, err)
			}
			return nil
		case err != nil:
			return fmt.Errorf("store: read snapshot %s: %w", id, err)
		case cur != string(manifest):
			return fmt.Errorf("%w: snapshot %s with a different manifest", ErrExists, id)
		}
		return nil
	})
}

// Snapshot returns the manifest of snapshot id, or an error wrapping ErrNotFound.
func (s *Store) Snapshot(ctx context.Context, id string) ([]byte, error) {
	var manifest string
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT manifest FROM snapshots WHERE id = ?`, id).Scan(&manifest)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: snapshot %s", ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("store: read snapshot %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return []byte(manifest), nil
}
