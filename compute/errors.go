package compute

import (
	"errors"
	"fmt"
	"strings"

	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/errtext"

	"github.com/amlgo/amlgo/internal/rundir"
)

// Sentinel errors, checked with errors.Is.
var (
	// ErrNotFound means the workspace has no compute target of that name.
	ErrNotFound = errors.New("compute: compute target not found")
	// ErrReservedName means a target name is one of azureml's reserved names.
	ErrReservedName = errors.New("compute: reserved target name")
	// ErrUnsupported means the target type or operation is not implemented by amlgo yet.
	ErrUnsupported = errors.New("compute: not supported")
	// ErrExecutionLost means a run's driver process ended without recording an exit code.
	ErrExecutionLost = rundir.ErrExecutionLost
	// ErrEnvironment is matched by Start errors whose cause is the run's environment
	// specification or what the host lacks for it — an interpreter that is not there, no
	// conda tool, a conda build that failed — rather than the target's machinery (azureml's
	// UserError, not SystemError). The control log holds the details.
	ErrEnvironment = errors.New("compute: the environment could not be prepared")
)

// ReservedNames are the target names azureml-core reserves: they are not compute objects.
var ReservedNames = []string{"local", "containerinstance", "amlcompute"}

// environmentError is a Start error caused by the run's environment: it matches
// ErrEnvironment and its cause.
type environmentError struct{ err error }

func (e *environmentError) Error() string {
	return "compute: preparing the environment: " + strings.TrimPrefix(errtext.Clean(e.err.Error()), "compute: ")
}
func (e *environmentError) Unwrap() []error { return []error{ErrEnvironment, e.err} }

// environmentFailure wraps an environment preparation error: an environmentError when the
// cause is the environment (see ErrEnvironment), else the error with the step named.
func environmentFailure(err error) error {
	if errors.Is(err, envbuild.ErrInterpreterNotFound) || errors.Is(err, envbuild.ErrNoConda) || errors.Is(err, envbuild.ErrBuildFailed) {
		return &environmentError{err: err}
	}
	return fmt.Errorf("compute: preparing the environment: %w", err)
}

// silent wraps a sentinel into an error without adding to its message: fmt.Errorf("...%w",
// silent{sentinel}) matches sentinel and says only "...".
type silent struct{ err error }

func (s silent) Error() string { return "" }
func (s silent) Unwrap() error { return s.err }
