package aciemu

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/amlgo/amlgo/internal/dockerexec"
)

// GroupView is what the emulator knows of a container group, for tests.
type GroupView struct {
	// Exists is false once the group is deleted (or was never created).
	Exists bool
	// ProvisioningState and State are properties.provisioningState and instanceView.state.
	ProvisioningState, State string
	// Events are the group's instance view events.
	Events []Event
	// Containers are the containers' instance views, in the group's order.
	Containers []ContainerView
}

// ContainerView is one container's instance view.
type ContainerView struct {
	// Name is the container's name; Engine its engine container's name.
	Name, Engine string
	// State is currentState.state ("" before the first event), DetailStatus its detailStatus.
	State, DetailStatus string
	// ExitCode is currentState.exitCode once terminated.
	ExitCode *int
	// Events are the container's events.
	Events []Event
}

// Event is an instance view event.
type Event struct {
	// Count is how many times it happened.
	Count int
	// Name (Pulling, Pulled, Failed, BackOff, Created, Started, Killing), Type (Normal or
	// Warning) and Message are as ACI reports them.
	Name, Type, Message string
}

// GroupID is the ARM id of a container group.
func GroupID(subscription, resourceGroup, name string) string {
	return groupID(subscription, resourceGroup, name)
}

// Group returns the state of the group with ARM id id.
func (e *Emulator) Group(id string) GroupView {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.view(id)
}

func (e *Emulator) view(id string) GroupView {
	g := e.groups[key(id)]
	if g == nil {
		return GroupView{}
	}
	v := GroupView{Exists: true, ProvisioningState: g.provisioning, State: g.state, Events: events(g.events)}
	for _, c := range g.containers {
		cv := ContainerView{Name: c.spec.name, Engine: c.engine, Events: events(c.events)}
		if c.current != nil {
			cv.State, cv.DetailStatus = c.current.State, c.current.DetailStat
			if c.current.ExitCode != nil {
				x := *c.current.ExitCode
				cv.ExitCode = &x
			}
		}
		v.Containers = append(v.Containers, cv)
	}
	return v
}

func events(evs []*event) []Event {
	var out []Event
	for _, ev := range evs {
		out = append(out, Event{Count: ev.Count, Name: ev.Name, Type: ev.Type, Message: ev.Message})
	}
	return out
}

// WaitGroup blocks until cond holds for the group with ARM id id (checked at every change of
// the emulator's state) or ctx ends, and returns the view cond accepted.
func (e *Emulator) WaitGroup(ctx context.Context, id string, cond func(GroupView) bool) (GroupView, error) {
	for {
		e.mu.Lock()
		v, ch := e.view(id), e.changed
		e.mu.Unlock()
		if cond(v) {
			return v, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return v, fmt.Errorf("aciemu: waiting for container group %s (provisioning %q, state %q): %w", id, v.ProvisioningState, v.State, ctx.Err())
		}
	}
}

// HoldCreation keeps the next creation of group id in provisioningState Pending, before any
// image is pulled, until release is called (a test's window to cancel or delete a group that
// has not started).
func (e *Emulator) HoldCreation(id string) (release func()) {
	ch := make(chan struct{})
	e.mu.Lock()
	e.holds[key(id)] = ch
	e.mu.Unlock()
	var done bool
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if !done {
			done = true
			close(ch)
			if e.holds[key(id)] == ch { // not used yet
				delete(e.holds, key(id))
			}
		}
	}
}

// FailNextCreation makes the next group created fail its provisioning with f (a Warning event
// named f.Code on the group, provisioningState Failed, the operation Failed with f), before any
// image is pulled: e.g. {"InsufficientCapacity", "The requested resource is not available…"}.
func (e *Emulator) FailNextCreation(f Failure) {
	e.mu.Lock()
	e.fail = &f
	e.mu.Unlock()
}

// SetLogLimit changes how many bytes Containers_ListLogs returns at most (Options.LogLimit), so
// that a test can reach the limit with little output.
func (e *Emulator) SetLogLimit(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n <= 0 {
		n = DefaultLogLimit
	}
	e.opts.LogLimit = n
}

// Docker is the engine the containers run on (to kill one, say: ContainerView.Engine names it).
func (e *Emulator) Docker() *dockerexec.Engine { return e.opts.Docker }

// EngineContainers lists the engine containers (running or not) of the group with ARM id id.
func (e *Emulator) EngineContainers(ctx context.Context, id string) ([]string, error) {
	return e.opts.Docker.ListLabeled(ctx, LabelGroup+"="+key(id))
}

// SweepLeftovers removes the engine containers of emulators whose process is gone (a test
// binary that was killed before its Close): those whose LabelOwner names no live process. It
// returns the names removed.
func SweepLeftovers(ctx context.Context, eng *dockerexec.Engine) ([]string, error) {
	names, err := eng.ListLabeled(ctx, LabelEmulator)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range names {
		labels, err := eng.ContainerLabels(ctx, n)
		if err != nil {
			return removed, err
		}
		pid, err := strconv.Atoi(labels[LabelOwner])
		if err == nil && alive(pid) {
			continue
		}
		if err := eng.Remove(ctx, n); err != nil {
			return removed, err
		}
		removed = append(removed, n)
	}
	return removed, nil
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}
