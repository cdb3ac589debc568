package compute

import (
	"errors"

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
)

// ReservedNames are the target names azureml-core reserves: they are not compute objects.
var ReservedNames = []string{"local", "containerinstance", "amlcompute"}
