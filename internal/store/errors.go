package store

import "errors"

var (
	// ErrNotFound reports that the run, experiment, model, compute target,
	// snapshot or blob asked for does not exist.
	ErrNotFound = errors.New("store: not found")

	// ErrExists reports that an object with the same key already exists
	// (a run id, a compute name, a snapshot id with a different manifest).
	ErrExists = errors.New("store: already exists")

	// ErrImmutableProperty reports an attempt to change the value of a run
	// property: properties, unlike tags, can be added but never changed.
	ErrImmutableProperty = errors.New("store: run properties are immutable")

	// ErrSchemaVersion reports a database whose schema is newer than this
	// version of amlgo understands.
	ErrSchemaVersion = errors.New("store: unsupported schema version")

	// ErrEnded reports an attempt to change the status of a run that has ended (Completed,
	// Failed or Canceled): a final status is never replaced, so that of two processes racing
	// to record a run's end (a cancel and the run's own end) the first one wins.
	ErrEnded = errors.New("store: the run has ended")

	// ErrClosed reports a call on a closed Store.
	ErrClosed = errors.New("store: closed")
)
