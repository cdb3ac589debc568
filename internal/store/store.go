package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

const (
	// DatabaseFile is the name of the SQLite database inside a store directory.
	DatabaseFile = "amlgo.db"
	// BlobsDir is the name of the blob directory inside a store directory.
	BlobsDir = "blobs"

	dirMode  os.FileMode = 0o700
	fileMode os.FileMode = 0o600

	defaultBusyTimeout = 10 * time.Second
)

// Options configures Open. The zero value (or nil) selects the defaults.
type Options struct {
	// Logger receives debug records (migrations applied, busy retries).
	// nil discards them.
	Logger *slog.Logger

	// BusyTimeout is how long one SQLite call waits for a lock held by
	// another connection or process before reporting SQLITE_BUSY (writes are
	// then retried until their context ends). 0 means 10s.
	BusyTimeout time.Duration
}

// Store is an open store directory. Its methods are safe for concurrent use.
type Store struct {
	dir    string
	blobs  string
	db     *sql.DB
	log    *slog.Logger
	closed atomic.Bool
}

// Open opens the store in dir, creating dir (mode 0700), the database and the
// blob directory when they do not exist, and migrating the schema to the
// current version.
func Open(dir string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = defaultBusyTimeout
	}
	if dir == "" {
		return nil, errors.New("store: empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := mkdirPrivate(abs); err != nil {
		return nil, err
	}
	blobs := filepath.Join(abs, BlobsDir)
	if err := mkdirPrivate(blobs); err != nil {
		return nil, err
	}
	dbPath := filepath.Join(abs, DatabaseFile)
	// SQLite creates the -wal and -shm files with the mode of the database
	// file, so creating it 0600 first makes all three private.
	if err := createPrivateFile(dbPath); err != nil {
		return nil, err
	}

	db, err := sql.Open("sqlite", dsn(dbPath, o.BusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dbPath, err)
	}
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(time.Minute)

	s := &Store{dir: abs, blobs: blobs, db: db, log: o.Logger}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+o.BusyTimeout)
	defer cancel()
	if err := s.migrate(ctx, migrations); err != nil {
		db.Close()
		return nil, err
	}
	for _, name := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		if err := ensureFileMode(name); err != nil {
			s.log.Warn("store: cannot make database file private", "file", name, "err", err)
		}
	}
	return s, nil
}

// dsn returns the modernc.org/sqlite data source name for the database at
// path: WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE for every
// read-write transaction.
func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Dir returns the absolute path of the store directory.
func (s *Store) Dir() string { return s.dir }

// Close closes the database. Calling Close more than once is harmless.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Closed reports whether Close has been called.
func (s *Store) Closed() bool { return s.closed.Load() }

// IntegrityCheck runs SQLite's integrity and foreign key checks and returns
// an error describing the first problems found, or nil when the database is
// sound.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	return s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "PRAGMA integrity_check")
		if err != nil {
			return err
		}
		var problems []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return err
			}
			problems = append(problems, line)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(problems) != 1 || problems[0] != "ok" {
			return fmt.Errorf("store: integrity check failed: %q", problems)
		}
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		err = tx.QueryRowContext(ctx, "PRAGMA foreign_key_check").Scan(&table, &rowid, &parent, &fkid)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		default:
			return fmt.Errorf("store: integrity check failed: row %d of %s references a missing %s", rowid.Int64, table, parent)
		}
	})
}

// write runs fn in a read-write (BEGIN IMMEDIATE) transaction, retrying the
// whole transaction while SQLite reports the database busy or locked and ctx
// is not done. fn may therefore run more than once.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, false, fn)
}

// read runs fn in a read-only (deferred) transaction, which sees one
// consistent snapshot of the database.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, true, fn)
}

func (s *Store) inTx(ctx context.Context, readOnly bool, fn func(tx *sql.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	delay := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, readOnly, fn)
		if err == nil {
			return nil
		}
		if !isBusy(err) {
			return prefixed(err)
		}
		s.log.Debug("store: database busy, retrying", "attempt", attempt, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("store: %w (database busy: %v)", ctx.Err(), err)
		case <-t.C:
		}
		delay = min(delay*2, 250*time.Millisecond)
	}
}

func (s *Store) tryTx(ctx context.Context, readOnly bool, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// prefixed returns err with a "store: " prefix unless it has one already.
func prefixed(err error) error {
	if strings.HasPrefix(err.Error(), "store: ") {
		return err
	}
	return fmt.Errorf("store: %w", err)
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (any extended code).
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
		return true
	}
	return false
}

// mkdirPrivate creates dir and its missing parents; directories it creates
// get mode 0700 regardless of the umask. Existing directories are left alone.
func mkdirPrivate(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("store: %s is not a directory", dir)
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirPrivate(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, dirMode); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return fmt.Errorf("store: %w", err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// createPrivateFile creates an empty file with mode 0600 unless it exists.
func createPrivateFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return fmt.Errorf("store: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// ensureFileMode sets mode 0600 on name if it exists with another mode.
func ensureFileMode(name string) error {
	fi, err := os.Stat(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Perm() == fileMode {
		return nil
	}
	return os.Chmod(name, fileMode)
}
