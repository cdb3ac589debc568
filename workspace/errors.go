package workspace

import "errors"

var (
	// ErrRequiresLocalWorkspace reports an operation that needs an embedded
	// local workspace (one from Open) on another kind of workspace.
	ErrRequiresLocalWorkspace = errors.New("workspace: requires a local workspace")

	// ErrClosed reports the use of a workspace after Close.
	ErrClosed = errors.New("workspace: closed")
)
