package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Artifact is a file of a run (for example "outputs/model.pkl") whose
// content is the blob SHA256.
type Artifact struct {
	RunID  string
	Name   string
	SHA256 string
	Size   int64
}

// AddArtifacts records files of the run, replacing artifacts of the same
// name. The RunID fields of as are ignored. Every blob must be stored
// already (PutBlob) and the run must exist (else an error wrapping
// ErrNotFound).
func (s *Store) AddArtifacts(ctx context.Context, runID string, as []Artifact) error {
	for _, a := range as {
		if a.Name == "" {
			return fmt.Errorf("store: run %s: empty artifact name", runID)
		}
		if !validSHA256(a.SHA256) {
			return fmt.Errorf("store: run %s artifact %q: invalid hash %q", runID, a.Name, a.SHA256)
		}
		if !s.HasBlob(a.SHA256) {
			return fmt.Errorf("%w: run %s artifact %q: blob %s", ErrNotFound, runID, a.Name, a.SHA256)
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := requireRun(ctx, tx, runID); err != nil {
			return err
		}
		for _, a := range as {
			if _, err := tx.ExecContext(ctx, `INSERT INTO artifacts (run_id, name, sha256, size) VALUES (?, ?, ?, ?)
				ON CONFLICT (run_id, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size`,
				runID, a.Name, a.SHA256, a.Size); err != nil {
				return fmt.Errorf("store: add artifact %q of run %s: %w", a.Name, runID, err)
			}
		}
		return nil
	})
}

// Artifacts returns the run's artifacts sorted by name.
func (s *Store) Artifacts(ctx context.Context, runID string) ([]Artifact, error) {
	var as []Artifact
	err := s.read(ctx, func(tx *sql.Tx) error {
		as = nil
		if err := requireRun(ctx, tx, runID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT name, sha256, size FROM artifacts WHERE run_id = ? ORDER BY name`, runID)
		if err != nil {
			return fmt.Errorf("store: read artifacts of run %s: %w", runID, err)
		}
		defer rows.Close()
		for rows.Next() {
			a := Artifact{RunID: runID}
			if err := rows.Scan(&a.Name, &a.SHA256, &a.Size); err != nil {
				return err
			}
			as = append(as, a)
		}
		return rows.Err()
	})
	return as, err
}
