package store

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// newStore opens a store in a fresh temporary directory, closed at cleanup.
func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "ws"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// newRun creates a run with the given id in experiment "exp".
func newRun(t *testing.T, s *Store, id string) Run {
	t.Helper()
	r := Run{ID: id, Experiment: "exp", Target: "local"}
	require.NoError(t, s.CreateRun(context.Background(), r))
	got, err := s.GetRun(context.Background(), id)
	require.NoError(t, err)
	return got
}

func TestOpenCreatesLayoutAndReopens(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(dir, &Options{})
	require.NoError(t, err)
	assert.Equal(t, dir, s.Dir())
	assert.FileExists(t, filepath.Join(dir, DatabaseFile))
	assert.DirExists(t, filepath.Join(dir, BlobsDir))
	newRun(t, s, "r1")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "second Close is harmless")
	assert.True(t, s.Closed())

	s, err = Open(dir, nil)
	require.NoError(t, err)
	defer s.Close()
	r, err := s.GetRun(ctx, "r1")
	require.NoError(t, err)
	assert.Equal(t, "local", r.Target)
	require.NoError(t, s.IntegrityCheck(ctx))
}

func TestOpenUsesWALAndBusyTimeout(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var mode string
	require.NoError(t, s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode)
	var busy int
	require.NoError(t, s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
	assert.Equal(t, 10000, busy)
	var fk int
	require.NoError(t, s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
	assert.Equal(t, 1, fk)
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd name?#%&")
	s, err := Open(dir, nil)
	require.NoError(t, err)
	defer s.Close()
	newRun(t, s, "r")
	assert.FileExists(t, filepath.Join(dir, DatabaseFile))
}

func TestOpenRejectsBadDir(t *testing.T) {
	_, err := Open("", nil)
	assert.Error(t, err)
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o600))
	_, err = Open(f, nil)
	assert.ErrorContains(t, err, "not a directory")
}

func TestClosedStore(t *testing.T) {
	s := newStore(t)
	require.NoError(t, s.Close())
	ctx := context.Background()
	_, err := s.GetRun(ctx, "x")
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, s.CreateRun(ctx, Run{ID: "x", Experiment: "e"}), ErrClosed)
	_, _, err = s.PutBlob(ctx, nil)
	assert.ErrorIs(t, err, ErrClosed)
}

func assertMode(t *testing.T, name string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(name)
	require.NoError(t, err)
	assert.Equal(t, want, fi.Mode()&(os.ModeDir|os.ModePerm), name)
}

func TestIntegrityCheckReportsForeignKeyViolation(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	require.NoError(t, s.IntegrityCheck(ctx))
	// Bypass the store to plant a dangling reference.
	conn, err := s.db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF")
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "INSERT INTO run_tags (run_id, key, value) VALUES ('ghost', 'k', 'v')")
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	require.NoError(t, err)
	assert.ErrorContains(t, s.IntegrityCheck(ctx), "run_tags")
}

func TestIsBusy(t *testing.T) {
	assert.False(t, isBusy(nil))
	assert.False(t, isBusy(sql.ErrNoRows))
}

// lockDB holds the write lock of the store's database from a separate
// connection until the returned function is called.
func lockDB(t *testing.T, dir string) (unlock func()) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, DatabaseFile), time.Second))
	require.NoError(t, err)
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	require.NoError(t, err)
	return func() {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}
}

func TestWriteRetriesWhileBusy(t *testing.T) {
	dir := t.TempDir()
	var log testenv.Watch
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := Open(dir, &Options{BusyTimeout: time.Millisecond, Logger: logger})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()

	// The lock is released once the write has been refused twice and is retrying, however
	// long that takes: the write then goes through.
	const retrying = `msg="store: database busy, retrying" attempt=2 `
	unlock := lockDB(t, dir)
	released := make(chan struct{})
	go func() {
		defer close(released)
		select {
		case <-log.Seen(retrying):
		case <-time.After(testenv.Patience):
		}
		unlock()
	}()
	require.NoError(t, s.CreateRun(ctx, Run{ID: "r", Experiment: "e"}))
	<-released
	assert.Contains(t, log.String(), retrying, "the write waited for the lock")
	got, err := s.GetRun(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, "e", got.Experiment)

	unlock2 := lockDB(t, dir)
	defer unlock2()
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = s.SetStatus(tctx, "r", "Running", time.Time{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "busy")
}
