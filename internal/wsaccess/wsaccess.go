// Package wsaccess lets amlgo's own packages reach the store behind a local
// workspace without exposing it in the public API of package workspace.
package wsaccess

import (
	"errors"

	"github.com/amlgo/amlgo/internal/store"
)

// Store returns the run-history store of a workspace (a *workspace.Workspace):
// the store of a local workspace, or the local run history an Azure workspace
// keeps for runs on SDK-driven targets. Package workspace assigns it in its
// init function; it returns an error for a nil or closed workspace, for a
// workspace without a store (wrapping workspace.ErrRequiresLocalWorkspace)
// and for any other value.
var Store = func(ws any) (*store.Store, error) {
	return nil, errors.New("wsaccess: package workspace is not linked into this program")
}
