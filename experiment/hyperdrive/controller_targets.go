package hyperdrive

import (
	"context"
	"sync"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/workspace"
)

// targets resolves the sweep's target names: the caller's prebuilt targets first, then the
// workspace's (compute.Get), each looked up once.
type targets struct {
	ws     *workspace.Workspace
	mu     sync.Mutex
	byName map[string]compute.ComputeTarget
}

func newTargets(ws *workspace.Workspace, given []compute.ComputeTarget) *targets {
	t := &targets{ws: ws, byName: map[string]compute.ComputeTarget{}}
	for _, g := range given {
		if g != nil {
			t.byName[g.Name()] = g
		}
	}
	return t
}

func (t *targets) get(ctx context.Context, name string) (compute.ComputeTarget, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.byName[name]; ok {
		return c, nil
	}
	c, err := compute.Get(ctx, t.ws, name)
	if err != nil {
		return nil, err
	}
	t.byName[name] = c
	return c, nil
}
