package workspace

import (
	"errors"
	"fmt"

	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
)

func init() { wsaccess.Store = storeOf }

// storeOf implements wsaccess.Store.
func storeOf(v any) (*store.Store, error) {
	if v == nil {
		return nil, errors.New("workspace: nil workspace")
	}
	w, ok := v.(*Workspace)
	if !ok {
		return nil, fmt.Errorf("workspace: %T is not a *workspace.Workspace", v)
	}
	if w == nil {
		return nil, errors.New("workspace: nil workspace")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, fmt.Errorf("%w: %s", ErrClosed, w.name)
	}
	if w.store == nil {
		return nil, fmt.Errorf("%w: %s", ErrRequiresLocalWorkspace, w.name)
	}
	return w.store, nil
}
