package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func schemaVersionOf(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	require.NoError(t, s.db.QueryRow("PRAGMA user_version").Scan(&v))
	return v
}

func TestNewDatabaseHasCurrentSchema(t *testing.T) {
	s := newStore(t)
	assert.Equal(t, SchemaVersion(), schemaVersionOf(t, s))
	assert.GreaterOrEqual(t, SchemaVersion(), 2)
}

// TestMigrateFromVersion1 builds a database at schema version 1 with data,
// then opens it: the missing migrations run and the data is kept.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()

	// A store that only knows the first migration.
	old := filepath.Join(t.TempDir(), "old")
	s, err := openAt(old, migrations[:1])
	require.NoError(t, err)
	assert.Equal(t, 1, schemaVersionOf(t, s))
	// Written with version 1's columns: this package's Run has gained columns since.
	_, err = s.db.Exec(`INSERT INTO experiments (name, created_at) VALUES ('e', 1)`)
	require.NoError(t, err)
	_, err = s.db.Exec(`INSERT INTO runs (id, experiment, status, created_at) VALUES ('r1', 'e', 'Running', 1)`)
	require.NoError(t, err)
	require.NoError(t, s.SetTags(ctx, "r1", map[string]string{"k": "v"}))
	var n int
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'models'`).Scan(&n))
	assert.Zero(t, n, "version 1 has no models table")
	require.NoError(t, s.Close())

	s, err = Open(old, nil)
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, SchemaVersion(), schemaVersionOf(t, s))
	r, err := s.GetRun(ctx, "r1")
	require.NoError(t, err)
	assert.Equal(t, "Running", r.Status)
	assert.Equal(t, "", r.RunType, "runs recorded before run types have none")
	assert.False(t, r.Interactive)
	tags, err := s.Tags(ctx, "r1")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"k": "v"}, tags)
	_, err = s.RegisterModel(ctx, Model{Name: "m", RunID: "r1"})
	require.NoError(t, err)
	require.NoError(t, s.IntegrityCheck(ctx))
}

// openAt opens a store migrated only up to len(ms).
func openAt(dir string, ms []migration) (*Store, error) {
	saved := migrations
	migrations = ms
	defer func() { migrations = saved }()
	return Open(dir, nil)
}

func TestMigrationIsAtomic(t *testing.T) {
	dir := t.TempDir()
	broken := append(migrations[:1:1], migration{name: "broken", steps: []string{
		`CREATE TABLE half_done (x INTEGER)`,
		`THIS IS NOT SQL`,
	}})
	_, err := openAt(dir, broken)
	require.ErrorContains(t, err, "migration 2 (broken) step 2")

	s, err := openAt(dir, migrations[:1])
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, 1, schemaVersionOf(t, s))
	var n int
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&n))
	assert.Zero(t, n, "a failed migration leaves nothing behind")
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	require.NoError(t, err)
	_, err = s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Open(dir, nil)
	assert.ErrorIs(t, err, ErrSchemaVersion)
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 6)
	stores := make(chan *Store, 6)
	for range 6 {
		go func() {
			s, err := Open(dir, nil)
			errs <- err
			stores <- s
		}()
	}
	for range 6 {
		require.NoError(t, <-errs)
		if s := <-stores; s != nil {
			assert.Equal(t, SchemaVersion(), schemaVersionOf(t, s))
			s.Close()
		}
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, DatabaseFile))
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'`).Scan(&n))
	assert.Equal(t, 1, n)
}
