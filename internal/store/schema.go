package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one step of the schema history. Version i+1 is reached by
// running migrations[i]; PRAGMA user_version holds the version reached.
type migration struct {
	name  string
	steps []string
}

// migrations is the ordered schema history. Never edit a released entry:
// append a new one.
var migrations = []migration{
	{
		name: "runs, status history, metrics, tags, properties",
		steps: []string{
			`CREATE TABLE experiments (
				name       TEXT PRIMARY KEY,
				created_at INTEGER NOT NULL
			)`,
			`CREATE TABLE runs (
				id           TEXT PRIMARY KEY,
				experiment   TEXT NOT NULL REFERENCES experiments(name),
				target       TEXT NOT NULL DEFAULT '',
				status       TEXT NOT NULL,
				parent_id    TEXT NOT NULL DEFAULT '',
				snapshot_id  TEXT NOT NULL DEFAULT '',
				display_name TEXT NOT NULL DEFAULT '',
				created_at   INTEGER NOT NULL,
				started_at   INTEGER,
				ended_at     INTEGER,
				definition   TEXT,
				exec_state   TEXT,
				exit_code    INTEGER,
				error        TEXT
			)`,
			`CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC)`,
			`CREATE INDEX runs_by_experiment ON runs (experiment, created_at DESC, id DESC)`,
			`CREATE INDEX runs_by_parent ON runs (parent_id)`,
			`CREATE TABLE run_status_history (
				seq    INTEGER PRIMARY KEY AUTOINCREMENT,
				run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
				status TEXT NOT NULL,
				at     INTEGER NOT NULL
			)`,
			`CREATE INDEX run_status_history_by_run ON run_status_history (run_id, seq)`,
			`CREATE TABLE metrics (
				run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
				byte_offset INTEGER NOT NULL,
				name        TEXT NOT NULL,
				type        TEXT NOT NULL,
				description TEXT NOT NULL DEFAULT '',
				value       TEXT NOT NULL,
				step        INTEGER,
				at          INTEGER,
				PRIMARY KEY (run_id, byte_offset)
			) WITHOUT ROWID`,
			`CREATE TABLE run_tags (
				run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
				key    TEXT NOT NULL,
				value  TEXT NOT NULL,
				PRIMARY KEY (run_id, key)
			) WITHOUT ROWID`,
			`CREATE TABLE run_properties (
				run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
				key    TEXT NOT NULL,
				value  TEXT NOT NULL,
				PRIMARY KEY (run_id, key)
			) WITHOUT ROWID`,
		},
	},
	{
		name: "artifacts, snapshots, models, compute targets",
		steps: []string{
			`CREATE TABLE artifacts (
				run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
				name   TEXT NOT NULL,
				sha256 TEXT NOT NULL,
				size   INTEGER NOT NULL,
				PRIMARY KEY (run_id, name)
			) WITHOUT ROWID`,
			`CREATE TABLE snapshots (
				id         TEXT PRIMARY KEY,
				manifest   TEXT NOT NULL,
				created_at INTEGER NOT NULL
			)`,
			`CREATE TABLE models (
				name              TEXT NOT NULL,
				version           INTEGER NOT NULL,
				run_id            TEXT NOT NULL DEFAULT '',
				path              TEXT NOT NULL DEFAULT '',
				description       TEXT NOT NULL DEFAULT '',
				framework         TEXT NOT NULL DEFAULT '',
				framework_version TEXT NOT NULL DEFAULT '',
				tags              TEXT NOT NULL DEFAULT '{}',
				properties        TEXT NOT NULL DEFAULT '{}',
				files             TEXT NOT NULL DEFAULT '[]',
				created_at        INTEGER NOT NULL,
				PRIMARY KEY (name, version)
			)`,
			`CREATE INDEX models_by_created ON models (created_at DESC, name, version DESC)`,
			`CREATE TABLE computes (
				name       TEXT PRIMARY KEY,
				type       TEXT NOT NULL,
				config     TEXT,
				created_at INTEGER NOT NULL
			)`,
		},
	},
	{
		name: "run types and interactive runs",
		steps: []string{
			`ALTER TABLE runs ADD COLUMN run_type TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE runs ADD COLUMN interactive INTEGER NOT NULL DEFAULT 0`,
		},
	},
}

// SchemaVersion is the schema version this package creates and understands.
func SchemaVersion() int { return len(migrations) }

// migrate brings the database to len(ms), one transaction per migration.
// Concurrent openers (goroutines or processes) serialize on the write lock
// and re-read the version inside their transaction, so each migration runs
// exactly once.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	for {
		applied := false
		err := s.write(ctx, func(tx *sql.Tx) error {
			applied = false
			v, err := userVersion(ctx, tx)
			if err != nil {
				return err
			}
			if v > len(ms) {
				return fmt.Errorf("%w: database %s has schema version %d, this amlgo supports up to %d",
					ErrSchemaVersion, s.dir, v, len(ms))
			}
			if v == len(ms) {
				return nil
			}
			m := ms[v]
			for i, step := range m.steps {
				if _, err := tx.ExecContext(ctx, step); err != nil {
					return fmt.Errorf("store: migration %d (%s) step %d: %w", v+1, m.name, i+1, err)
				}
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return fmt.Errorf("store: migration %d: %w", v+1, err)
			}
			applied = true
			s.log.Debug("store: applied migration", "version", v+1, "name", m.name)
			return nil
		})
		if err != nil {
			return err
		}
		if !applied {
			return nil
		}
	}
}

func userVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}
