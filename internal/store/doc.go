// Package store is the storage of a local amlgo workspace: a SQLite database
// (through the pure-Go modernc.org/sqlite driver) for experiments, runs, their
// status history, metrics, tags and properties, run artifacts, snapshot
// manifests, registered models and attached compute targets, plus a
// content-addressed blob directory for snapshot files and artifact contents.
//
// Layout of a store directory:
//
//	<dir>/amlgo.db           the database (WAL mode; amlgo.db-wal and amlgo.db-shm next to it)
//	<dir>/blobs/ab/abcdef…   one file per distinct content, named by its SHA-256 (hex)
//
// Directories are created with mode 0700 and files with mode 0600, whatever
// the process umask is.
//
// A Store is safe for concurrent use by many goroutines, and several
// processes may open the same directory at once: every write runs in a
// "BEGIN IMMEDIATE" transaction, connections wait for locks (busy_timeout)
// and a write that still finds the database busy is retried until its
// context ends.
//
// The schema is versioned with PRAGMA user_version; Open applies the missing
// migrations, each in its own transaction.
//
// Times are stored as Unix nanoseconds (UTC); a zero time.Time is stored as
// NULL and read back as the zero time.
package store
