package hyperdrive

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/amlgo/amlgo/experiment"
)

// follow keeps a child's record up to date (status, metrics, outputs) until it ends.
func (c *controller) follow(ctx context.Context, id string) {
	c.mu.Lock()
	followed := c.followed[id]
	c.mu.Unlock()
	if followed {
		return
	}
	run, err := experiment.GetRun(ctx, c.h.ws, id)
	if err != nil {
		return // retried at the next step
	}
	c.followRun(ctx, run)
}

// followRun waits for run in the background; its end wakes the controller.
func (c *controller) followRun(ctx context.Context, run *experiment.Run) {
	c.mu.Lock()
	if c.followed[run.ID()] {
		c.mu.Unlock()
		return
	}
	c.followed[run.ID()] = true
	c.mu.Unlock()
	quiet := false
	go func() {
		for {
			_, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{RaiseOnError: &quiet})
			if err == nil || ctx.Err() != nil {
				select {
				case c.events <- event{}:
				default: // the controller is awake anyway
				}
				return
			}
			c.logf("CONTROLLER", "Following job %s failed, retrying: %v", run.ID(), err)
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
}

// cancelChild cancels child n with reason, once.
func (c *controller) cancelChild(ctx context.Context, n int, reason string) error {
	if c.stopped[n] {
		return nil
	}
	c.stopped[n] = true
	run, err := experiment.GetRun(ctx, c.h.ws, childID(c.h.ID(), n))
	if err != nil {
		return err
	}
	c.logf("CONTROLLER", "Cancelling job %s: %s", run.ID(), reason)
	return run.CancelWithReason(ctx, reason)
}

// forget removes the recorded configurations that will never be launched (the sweep is
// stopping), so that the parent's hyperparameters list only its children.
func (c *controller) forget(ctx context.Context, unlaunched []*trial) error {
	if len(unlaunched) == 0 {
		return nil
	}
	keys := make([]string, len(unlaunched))
	for i, t := range unlaunched {
		keys[i] = childID(c.h.ID(), t.Number)
	}
	return c.h.Run.RemoveTags(ctx, keys...)
}

// applyPolicy cancels the running children the early-termination policy stops.
func (c *controller) applyPolicy(ctx context.Context, trials []*trial) error {
	if c.s.Policy.Name() == noTerminationName || c.stopping != "" {
		return nil
	}
	if err := c.withMetrics(ctx, trials); err != nil {
		return err
	}
	if err := c.recordBest(ctx, trials, false); err != nil {
		return err
	}
	all := append(progress(c.priors), progress(trials)...)
	for n, reason := range c.term.stop(all, c.s.PrimaryMetric.Goal, c.s.MaxConcurrentRuns) {
		if n < 0 || c.stopped[n] {
			continue
		}
		if err := c.cancelChild(ctx, n, "The run was canceled by the early termination policy ("+c.s.Policy.Name()+"): "+reason); err != nil {
			return err
		}
	}
	return nil
}

// finish ends the parent: Canceled when canceled, Failed when every child failed, else
// Completed; the sweep's log becomes the parent's file.
func (c *controller) finish(ctx context.Context, parentStatus string, trials []*trial) error {
	status, msg := experiment.StatusCompleted, ""
	failed := 0
	for _, t := range trials {
		if t.Child != nil && t.Child.Status == string(experiment.StatusFailed) {
			failed++
		}
	}
	switch {
	case parentStatus == string(experiment.StatusCancelRequested) || c.stopping == canceledByParent:
		status, msg = experiment.StatusCanceled, canceledByParent
	case c.stopping != "" && c.stopping != deadlineReason:
		status, msg = experiment.StatusFailed, c.stopping
	case len(trials) > 0 && failed == len(trials):
		status, msg = experiment.StatusFailed, "User errors were found in at least one of the child runs: every child run failed."
	}
	if err := c.withMetrics(ctx, trials); err != nil {
		return err
	}
	if err := c.recordBest(ctx, trials, true); err != nil {
		return err
	}
	c.logf("CONTROLLER", "The HyperDrive run ended %s: %d jobs, %d failed.", status, len(trials), failed)
	if err := c.h.Run.UploadFile(ctx, LogName, logPath(c.h.ws, c.h.ID())); err != nil {
		return err
	}
	return c.h.Run.End(ctx, status, msg)
}

// hyperparameterTag is a configuration as recorded on the parent (JSON).
func hyperparameterTag(cfg map[string]any) (string, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("hyperdrive: a sampled configuration is not JSON: %w", err)
	}
	return string(b), nil
}

func jsonDecode(text string, v any) error { return json.Unmarshal([]byte(text), v) }

// drivers are the sweeps this process drives, by store directory and parent id.
var drivers = struct {
	sync.Mutex
	m map[string]*driver
}{m: map[string]*driver{}}

// driver is a controller running in this process.
type driver struct {
	done chan struct{}
	err  error
}

// ensureDriving starts driving h in this process unless this or another process already
// does, and returns this process's driver (nil when another process drives h). The driver
// holds the sweep's lock in the workspace until the sweep has ended or the driver failed.
func ensureDriving(h *HyperDriveRun, tg *targets, log *slog.Logger) *driver {
	key := h.st.Dir() + "\x00" + h.ID()
	drivers.Lock()
	defer drivers.Unlock()
	if d := drivers.m[key]; d != nil {
		return d
	}
	unlock, ok, err := h.st.TryLock("hyperdrive-" + h.ID())
	if err != nil || !ok {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &driver{done: make(chan struct{})}
	drivers.m[key] = d
	c := &controller{h: h, targets: tg, log: log}
	go func() {
		// The sweep outlives the call that started it (Submit, Cancel, WaitForCompletion).
		ctx, cancel := context.WithCancel(context.Background())
		d.err = c.run(ctx)
		cancel()
		drivers.Lock()
		delete(drivers.m, key)
		drivers.Unlock()
		unlock()
		close(d.done)
	}()
	return d
}
