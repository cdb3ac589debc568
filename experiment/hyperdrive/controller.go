package hyperdrive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
)

// pollInterval is how often the controller rereads the parent (a cancel request from another
// process), applies the policy and checks the deadline; children's ends wake it at once.
const pollInterval = 250 * time.Millisecond

// minute is the unit of max_duration_minutes (a variable so that a test can shorten it).
var minute = time.Minute

// Reasons recorded on children the controller stops.
const (
	orphanReason   = "The SDK process that launched this child run ended before the launch was recorded; the run never started."
	deadlineReason = "The HyperDrive run reached its maximum duration (max_duration_minutes)."
)

// controller drives one sweep in this process, holding the sweep's lock.
type controller struct {
	h       *HyperDriveRun
	s       *sweepState
	targets *targets
	log     *slog.Logger

	sampler sampler
	term    terminator
	priors  []*trial

	mu        sync.Mutex // guards followed
	events    chan event
	launching map[int]string // trial number → target, while its launch is under way
	followed  map[string]bool
	stopped   map[int]bool         // canceled by the policy or the sweep's end
	final     map[string][]float64 // the primary metric of ended children, by child id
	stopping  string               // why no further child is launched ("" while sampling goes on)
	exhausted bool
	lastBest  *bestRow // the last row of the parent's BestChildTable
}

// event is a child launched or ended.
type event struct {
	launched bool
	number   int
	err      error // a launch that failed without recording the child
}

func (c *controller) logf(component, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if err := appendLog(c.h.ws, c.h.ID(), component, "INFO", msg); err != nil {
		c.log.Warn("hyperdrive: log", "err", err)
	}
	c.log.Debug(msg, "run_id", c.h.ID(), "component", component)
}

// run drives the sweep until its parent has ended.
func (c *controller) run(ctx context.Context) error {
	h := c.h
	if h.stateErr != nil {
		return h.Run.End(ctx, experiment.StatusFailed, h.stateErr.Error())
	}
	if rec, err := h.st.GetRun(ctx, h.ID()); err != nil || experiment.Status(rec.Status).Terminal() {
		return err // ended while this process took the lock
	}
	c.s = h.state
	c.sampler = c.s.Sampling.newSampler(c.s.Seed)
	c.term = c.s.Policy.newTerminator()
	c.events = make(chan event, 2*c.s.MaxConcurrentRuns+8)
	c.launching, c.followed, c.stopped = map[int]string{}, map[string]bool{}, map[int]bool{}
	c.final = map[string][]float64{}
	var err error
	if c.priors, err = priorTrials(ctx, h.st, c.s.ResumeFrom, c.s.PrimaryMetric.Name); err != nil {
		return err
	}
	if err := c.loadBest(ctx); err != nil {
		return err
	}
	trials, err := c.load(ctx)
	if err != nil {
		return err
	}
	if len(trials) > 0 {
		c.logf("CONTROLLER", "Resuming the sweep in process %d: %d of %d jobs sampled so far", os.Getpid(), len(trials), c.s.MaxTotalRuns)
	}
	for _, t := range trials {
		if t.Child != nil && !t.terminal() && len(t.Child.ExecState) == 0 {
			// Recorded by a process that died before the target started it: nobody else is
			// launching (this process holds the lock), so it never will start.
			if err := c.cancelChild(ctx, t.Number, orphanReason); err != nil {
				return err
			}
		}
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		done, err := c.step(ctx)
		if err != nil || done {
			return err
		}
		select {
		case ev := <-c.events:
			if err := c.handle(ctx, ev); err != nil {
				return err
			}
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// load reads the trials without their metrics (withMetrics adds them).
func (c *controller) load(ctx context.Context) ([]*trial, error) {
	return loadTrials(ctx, c.h.st, c.h.ID(), c.s.PrimaryMetric.Name, false)
}

// withMetrics fills in the primary metric's values of the launched trials; an ended child's
// are read once.
func (c *controller) withMetrics(ctx context.Context, trials []*trial) error {
	for _, t := range trials {
		if t.Child == nil {
			continue
		}
		if v, ok := c.final[t.Child.ID]; ok {
			t.Values = v
			continue
		}
		v, err := metricValues(ctx, c.h.st, t.Child.ID, c.s.PrimaryMetric.Name)
		if err != nil {
			return err
		}
		t.Values = v
		if t.terminal() {
			c.final[t.Child.ID] = v
		}
	}
	return nil
}

// handle takes note of a launch.
func (c *controller) handle(ctx context.Context, ev event) error {
	if !ev.launched {
		return nil
	}
	delete(c.launching, ev.number)
	if ev.err != nil {
		msg := fmt.Sprintf("Could not launch child run %s: %v", childID(c.h.ID(), ev.number), ev.err)
		c.logf("SCHEDULER", "%s", msg)
		if c.stopping == "" {
			c.stopping = msg
			return cancelChildren(ctx, c.h, msg)
		}
	}
	return nil
}

// step looks at the sweep once: stops, follows, launches, samples, and ends the sweep when
// nothing is left to do. It reports whether the parent has ended.
func (c *controller) step(ctx context.Context) (bool, error) {
	parent, err := c.h.st.GetRun(ctx, c.h.ID())
	if err != nil {
		return false, err
	}
	if experiment.Status(parent.Status).Terminal() {
		return true, nil
	}
	if c.stopping == "" {
		switch {
		case parent.Status == string(experiment.StatusCancelRequested):
			c.stopping = canceledByParent
		case time.Now().After(parent.StartedAt.Add(time.Duration(min(c.s.MaxDurationMinutes, MaxDurationMinutes)) * minute)):
			c.stopping = deadlineReason
		}
		if c.stopping != "" {
			c.logf("CONTROLLER", "%s No further job will be launched; cancelling the running jobs.", c.stopping)
		}
	}
	trials, err := c.load(ctx)
	if err != nil {
		return false, err
	}
	active := len(c.launching)
	var unlaunched []*trial
	for _, t := range trials {
		_, launching := c.launching[t.Number]
		switch {
		case t.Child == nil && !launching:
			unlaunched = append(unlaunched, t)
		case t.Child != nil && !t.terminal():
			if !launching {
				active++
			}
			// One being launched is canceled once its launch is recorded (canceling it
			// mid-launch would race the launch).
			if c.stopping != "" && !launching && !c.stopped[t.Number] {
				if err := c.cancelChild(ctx, t.Number, c.stopping); err != nil {
					return false, err
				}
			}
			if !launching && len(t.Child.ExecState) > 0 {
				c.follow(ctx, t.Child.ID) // those this process launches it follows from the launch
			}
		}
	}
	if c.stopping != "" {
		if err := c.forget(ctx, unlaunched); err != nil {
			return false, err
		}
		unlaunched = nil
	}
	if err := c.applyPolicy(ctx, trials); err != nil {
		return false, err
	}
	// Configurations recorded by a process that died before launching them go first.
	for _, t := range unlaunched {
		c.launch(ctx, t, trials)
		active++
	}
	if c.stopping == "" && !c.exhausted {
		free := min(c.s.MaxConcurrentRuns-active, c.s.MaxTotalRuns-len(trials))
		if free > 0 {
			n, err := c.sample(ctx, trials, free)
			if err != nil {
				return false, err
			}
			active += n
		}
	}
	if active > 0 || c.stopping == "" && !c.exhausted && len(trials) < c.s.MaxTotalRuns {
		return false, nil
	}
	return true, c.finish(ctx, parent.Status, trials)
}

// sample proposes up to n configurations, records them on the parent, then launches them.
func (c *controller) sample(ctx context.Context, trials []*trial, n int) (int, error) {
	c.logf("GENERATOR", "Trying to sample '%d' jobs from the hyperparameter space", n)
	if err := c.withMetrics(ctx, trials); err != nil {
		return 0, err
	}
	if err := c.recordBest(ctx, trials, false); err != nil {
		return 0, err
	}
	history := make([]trialRecord, 0, len(c.priors)+len(trials))
	for _, t := range c.priors {
		history = append(history, t.record(c.s.PrimaryMetric.Goal))
	}
	for _, t := range trials {
		history = append(history, t.record(c.s.PrimaryMetric.Goal))
	}
	configs, err := c.sampler.next(history, c.s.PrimaryMetric.Goal, n)
	if err != nil {
		return 0, fmt.Errorf("hyperdrive: sampling: %w", err)
	}
	if len(configs) == 0 {
		c.exhausted = true
		c.logf("GENERATOR", "The hyperparameter space is exhausted: no new configuration can be sampled.")
		return 0, nil
	}
	next := 0
	if len(trials) > 0 {
		next = trials[len(trials)-1].Number + 1
	}
	tags := map[string]string{}
	fresh := make([]*trial, len(configs))
	for i, cfg := range configs {
		text, err := hyperparameterTag(cfg)
		if err != nil {
			return 0, err
		}
		fresh[i] = &trial{Number: next + i}
		tags[childID(c.h.ID(), next+i)] = text
		_ = jsonDecode(text, &fresh[i].Params) // launched with the values as recorded
	}
	// Recorded before any of them is launched: a process that dies now leaves configurations
	// that the next one launches, never a child without its configuration.
	if err := c.h.Run.SetTags(ctx, tags); err != nil {
		return 0, err
	}
	c.logf("GENERATOR", "Successfully sampled '%d' jobs, they will soon be submitted to the execution target.", len(configs))
	all := append(trials[:len(trials):len(trials)], fresh...)
	for _, t := range fresh {
		c.launch(ctx, t, all)
	}
	return len(fresh), nil
}

// launch starts child t on the least busy target, in the background.
func (c *controller) launch(ctx context.Context, t *trial, trials []*trial) {
	target := c.pickTarget(trials)
	c.launching[t.Number] = target
	id := childID(c.h.ID(), t.Number)
	c.logf("SCHEDULER", "Scheduling job, id='%s'", id)
	go func() {
		ev := event{launched: true, number: t.Number}
		defer func() {
			select {
			case c.events <- ev:
			case <-ctx.Done(): // the controller has stopped
			}
		}()
		tgt, err := c.targets.get(ctx, target)
		if err != nil {
			ev.err = err
			return
		}
		src := runconfig.ScriptRunConfig{RunConfig: childRunConfig(c.s.RunConfig, target, t.Params)}
		run, err := c.h.Run.SubmitChild(ctx, src, &experiment.SubmitOptions{RunID: id, SnapshotID: c.s.SnapshotID, Target: tgt, Logger: c.log})
		switch {
		case run != nil:
			// Launched, or recorded Failed by Submit (an environment that cannot be built):
			// either way one of the sweep's children.
			c.logf("SCHEDULER", "Successfully scheduled a job. Id='%s'", id)
			c.followRun(ctx, run)
		case errors.Is(err, experiment.ErrRunExists):
		default:
			ev.err = err
		}
	}()
}

// pickTarget is the target with the fewest active children (the first on ties).
func (c *controller) pickTarget(trials []*trial) string {
	load := map[string]int{}
	counted := map[int]bool{}
	for _, t := range trials {
		if t.Child != nil && !t.terminal() {
			load[t.Child.Target]++
			counted[t.Number] = true
		}
	}
	for n, target := range c.launching {
		if !counted[n] {
			load[target]++
		}
	}
	best := c.s.Targets[0]
	for _, name := range c.s.Targets[1:] {
		if load[name] < load[best] {
			best = name
		}
	}
	return best
}
