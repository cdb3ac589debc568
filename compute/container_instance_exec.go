package compute

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/containergroup"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/rundir"
	"github.com/amlgo/amlgo/internal/sasredact"
)

// aciState is what reattaching to a container-instance run needs: no secret (the store's key
// is read again from the datastore).
type aciState struct {
	RunID         string    `json:"aciRun"`
	Group         string    `json:"group"`
	ResourceGroup string    `json:"resourceGroup"`
	Account       string    `json:"account"`
	Keep          bool      `json:"keep,omitempty"`
	Grace         float64   `json:"graceSeconds"`
	MaxSeconds    int       `json:"maxSeconds,omitempty"`
	MemoryGB      float64   `json:"memoryGb"`
	StartedAt     time.Time `json:"submittedAt"`
}

// aciVerdict is amlgo's own account of a run's end, when the container could not record one
// (an image that cannot be pulled, a group stopped for a timeout or a cancel): kept in the
// run's blobs so that every process reports the same end.
type aciVerdict struct {
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	SystemError bool   `json:"systemError,omitempty"`
}

const relVerdict = "azureml-setup/amlgo_verdict.json"

// aciFallbackLog is where the container's own log (Container Instances' log API, its last
// 4 MB) goes when the container ended without writing its run files.
const aciFallbackLog = "azureml-logs/55_container_log.txt"

// aciExecution is a run in a container group, observed through its blobs and instance view.
type aciExecution struct {
	c     *ContainerInstance
	st    aciState
	store *containergroup.Store
	obs   *rundir.Observer

	mu       sync.Mutex
	view     containergroup.View
	viewedAt time.Time
	gone     bool
	killAt   time.Time
}

// viewInterval is how often Observe reads a running container's instance view from Resource
// Manager: the run's progress comes from its blobs, so the view is needed only to notice a
// container that ended without recording it (and Resource Manager throttles reads).
const viewInterval = 5 * time.Second

var (
	_ Execution       = (*aciExecution)(nil)
	_ OutputCollector = (*aciExecution)(nil)
)

func (c *ContainerInstance) newExecution(st aciState, store *containergroup.Store) *aciExecution {
	e := &aciExecution{c: c, st: st, store: store}
	e.obs = &rundir.Observer{
		FS:              store.RunFS(st.RunID),
		Paths:           driver.SlashLayout(""),
		Driver:          driver.Identity{},
		Alive:           func(context.Context) (bool, error) { return e.alive(), nil },
		LostReason:      e.lostReason,
		ConcurrentReads: true,
	}
	return e
}

// Reattach resumes observing a container-instance run from its State, in any process.
func (c *ContainerInstance) Reattach(ctx context.Context, state json.RawMessage) (_ Execution, err error) {
	defer func() { err = errtext.Public(sasredact.Error(err)) }()
	var st aciState
	if err := json.Unmarshal(state, &st); err != nil || st.RunID == "" || st.Group == "" {
		return nil, fmt.Errorf("compute: not a container-instance execution state")
	}
	store, err := c.blobStore(ctx)
	if err != nil {
		return nil, err
	}
	if store.Account() != st.Account {
		return nil, fmt.Errorf("compute: run %s wrote its files to storage account %s, but the workspace's default datastore is now in %s", st.RunID, st.Account, store.Account())
	}
	return c.newExecution(st, store), nil
}

// State returns the run id and the group's name and resource group.
func (e *aciExecution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

func (e *aciExecution) grace() time.Duration { return time.Duration(e.st.Grace * float64(time.Second)) }

// alive says whether the container may still write its run files.
func (e *aciExecution) alive() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	v := e.view
	return !e.gone && !v.Terminated() && !v.Failed() && !v.Stopped() && pullFailure(v) == ""
}

// pullFailure is the event message of an image that cannot be pulled ("" when none).
func pullFailure(v containergroup.View) string {
	if v.Running() || v.Terminated() {
		return ""
	}
	p := v.Problem()
	low := strings.ToLower(p)
	if strings.Contains(low, "pull") || strings.Contains(low, "image") {
		return p
	}
	return ""
}

// lostReason explains a container that ended without recording the script's end.
func (e *aciExecution) lostReason(ctx context.Context) string {
	if b, ok, _ := e.obs.FS.ReadSmall(ctx, relVerdict); ok {
		var v aciVerdict
		if json.Unmarshal(b, &v) == nil && v.Reason != "" {
			return v.Reason
		}
	}
	e.mu.Lock()
	v, gone := e.view, e.gone
	e.mu.Unlock()
	switch {
	case gone:
		return fmt.Sprintf("container group %s was deleted before the run recorded its end", e.st.Group)
	case pullFailure(v) != "":
		return "the container's image could not be pulled: " + pullFailure(v)
	case v.OOMKilled():
		return fmt.Sprintf("the container ran out of memory (%s, exit code %s) before the run recorded its end; raise containerInstance.memoryGb", v.DetailStatus, exitText(v.ExitCode))
	case v.Terminated():
		return fmt.Sprintf("the container of group %s ended (exit code %s, %s) before the run recorded its end", e.st.Group, exitText(v.ExitCode), orNone(v.DetailStatus))
	case v.Failed():
		if p := v.Problem(); p != "" {
			return fmt.Sprintf("container group %s failed: %s", e.st.Group, p)
		}
		return fmt.Sprintf("container group %s failed (provisioning state %s)", e.st.Group, v.Provisioning)
	}
	return fmt.Sprintf("container group %s was stopped before the run recorded its end", e.st.Group)
}

func exitText(c *int32) string {
	if c == nil {
		return "unknown"
	}
	return fmt.Sprint(*c)
}

func orNone(s string) string {
	if s == "" {
		return "no detail"
	}
	return s
}

// refresh reads the group's instance view.
func (e *aciExecution) refresh(ctx context.Context) error {
	resp, err := e.c.az.Clients.ContainerGroups.Get(ctx, e.st.ResourceGroup, e.st.Group, nil)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case arm.IsNotFound(err):
		e.gone = true
		return nil
	case err != nil:
		return fmt.Errorf("compute: reading container group %s: %w", e.st.Group, err)
	}
	e.view, e.viewedAt = containergroup.ViewOf(&resp.ContainerGroup), time.Now()
	return nil
}

// Observe reads the group's instance view and the run's blobs from cur, and enforces what the
// container cannot: a cancel or maximum duration it does not honour within the grace period
// stops the group.
func (e *aciExecution) Observe(ctx context.Context, cur Cursor) (_ *Observation, err error) {
	defer func() { err = errtext.Public(sasredact.Error(err)) }()
	e.mu.Lock()
	stale := !e.view.Running() || time.Since(e.viewedAt) >= viewInterval
	e.mu.Unlock()
	if stale {
		if err := e.refresh(ctx); err != nil {
			return nil, err
		}
	}
	if err := e.enforce(ctx); err != nil {
		return nil, err
	}
	ro, err := e.obs.Observe(ctx, toRunDirCursor(cur), time.Second)
	if err != nil {
		return nil, err
	}
	obs := fromRunDirObservation(ro)
	if obs.ExitCode != nil || obs.Status == "Failed" || obs.Status == "Canceled" {
		if err := e.refresh(ctx); err != nil { // the end is judged on a current view
			return nil, err
		}
	}
	e.mu.Lock()
	v, gone := e.view, e.gone
	e.mu.Unlock()
	if obs.ExitCode != nil && *obs.ExitCode == 137 && !gone && !v.Terminated() && !v.Stopped() {
		// The script was SIGKILLed, perhaps by the kernel for memory: the container's detail
		// status tells once the container has ended, a moment later.
		obs.Status, obs.ExitCode, obs.EndedAt, obs.Reason, obs.PollAfter = "Running", nil, time.Time{}, "", time.Second
		return obs, nil
	}
	if obs.ExitCode != nil && v.OOMKilled() && obs.Status == "Failed" {
		obs.Reason = fmt.Sprintf("The container ran out of memory (%s, containerInstance.memoryGb %v GB): the kernel killed the script; raise memoryGb. %s",
			v.DetailStatus, e.st.MemoryGB, obs.Reason)
	}
	if obs.ExitCode == nil && (obs.Status == "Failed" || obs.Status == "Canceled") {
		if err := e.settleLost(ctx, obs, cur); err != nil {
			return nil, err
		}
	}
	if obs.Status == "Starting" {
		obs.Status = "Preparing" // the image is pulled, the snapshot restored
		if e.viewRunning() {
			obs.Status = "Starting"
		}
	}
	return obs, nil
}

func (e *aciExecution) viewRunning() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.view.Running()
}

// enforce stops a group whose cancel was not honoured within the grace period, or whose run
// exceeded its maximum duration, recording why.
func (e *aciExecution) enforce(ctx context.Context) error {
	if !e.alive() {
		return nil
	}
	e.mu.Lock()
	killAt := e.killAt
	e.mu.Unlock()
	if killAt.IsZero() {
		t, err := e.store.KillRequested(ctx, e.st.RunID)
		if err != nil {
			return err
		}
		e.mu.Lock()
		e.killAt, killAt = t, t
		e.mu.Unlock()
	}
	now := time.Now()
	if !killAt.IsZero() && now.After(killAt.Add(e.grace()+30*time.Second)) {
		return e.stopWith(ctx, aciVerdict{Status: "Canceled", Reason: "The run was canceled."})
	}
	if e.st.MaxSeconds > 0 {
		limit := time.Duration(e.st.MaxSeconds)*time.Second + e.grace() + time.Minute
		started, _, err := e.obs.FS.ReadSmall(ctx, driver.RelStartedAt)
		if err != nil {
			return err
		}
		if t, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(started))); perr == nil && now.After(t.Add(limit)) {
			return e.stopWith(ctx, aciVerdict{Status: "Failed", Reason: fmt.Sprintf("The run exceeded its maximum duration of %d seconds (maxRunDurationSeconds) and its container did not stop; amlgo stopped container group %s.", e.st.MaxSeconds, e.st.Group)})
		}
	}
	return nil
}

// stopWith records v and stops the group.
func (e *aciExecution) stopWith(ctx context.Context, v aciVerdict) error {
	b, _ := json.Marshal(v)
	if err := e.store.PutRunFileOnce(ctx, e.st.RunID, relVerdict, b); err != nil {
		return err
	}
	if _, err := e.c.az.Clients.ContainerGroups.Stop(ctx, e.st.ResourceGroup, e.st.Group, nil); err != nil && !arm.IsNotFound(err) {
		return fmt.Errorf("compute: stopping container group %s: %w", e.st.Group, err)
	}
	return e.refresh(ctx)
}

// settleLost completes the observation of a run whose container ended without recording the
// script's end: a requested cancel is Canceled, an image or memory problem is the user's, and
// the container's own log (Container Instances keeps its last 4 MB) is returned as a log of
// its own, since the run's driver log never got it.
func (e *aciExecution) settleLost(ctx context.Context, obs *Observation, cur Cursor) error {
	var verdict aciVerdict
	if b, ok, err := e.obs.FS.ReadSmall(ctx, relVerdict); err != nil {
		return err
	} else if ok {
		_ = json.Unmarshal(b, &verdict)
	}
	e.mu.Lock()
	v, killAt := e.view, e.killAt
	e.mu.Unlock()
	switch {
	case verdict.Status != "":
		obs.Status, obs.Reason, obs.SystemError = verdict.Status, verdict.Reason, verdict.SystemError
	case !killAt.IsZero():
		obs.Status, obs.Reason, obs.SystemError = "Canceled", "The run was canceled.", false
	case pullFailure(v) != "" || v.OOMKilled():
		obs.SystemError = false
		obs.Reason = strings.TrimPrefix(obs.Reason, rundir.ErrExecutionLost.Error()+": ")
	}
	if verdict.Status == "" {
		b, _ := json.Marshal(aciVerdict{Status: obs.Status, Reason: obs.Reason, SystemError: obs.SystemError})
		if err := e.store.PutRunFileOnce(ctx, e.st.RunID, relVerdict, b); err != nil {
			return err
		}
	}
	if e.gone {
		return nil
	}
	logs, err := e.c.az.Clients.Containers.ListLogs(ctx, e.st.ResourceGroup, e.st.Group, containergroup.ContainerName, nil)
	if err != nil || logs.Content == nil || *logs.Content == "" {
		return nil // the group may be gone already; the run's blobs are what is left
	}
	text := "amlgo: the container ended without writing its run files; what follows is the container's own log from Azure Container Instances (at most its last 4 MB)\n" + *logs.Content
	if off := cur.Logs[aciFallbackLog]; off < int64(len(text)) {
		obs.Logs = append(obs.Logs, LogChunk{Name: aciFallbackLog, Offset: off, Data: []byte(text[off:])})
		obs.Next.Logs[aciFallbackLog] = int64(len(text))
	}
	return nil
}

// Cancel writes the run's kill request, which the container turns into the driver's kill file
// (SIGTERM, then SIGKILL after the grace period). A container that has not started the script
// yet is stopped at once; one that does not end within the grace period is stopped by the
// next Observe. The group is deleted when the outputs are collected.
func (e *aciExecution) Cancel(ctx context.Context) (err error) {
	defer func() { err = errtext.Public(sasredact.Error(err)) }()
	t, err := e.store.RequestKill(ctx, e.st.RunID)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.killAt = t
	e.mu.Unlock()
	if err := e.refresh(ctx); err != nil {
		return err
	}
	started, _, err := e.obs.FS.ReadSmall(ctx, driver.RelStartedAt)
	if err != nil {
		return err
	}
	if e.alive() && len(started) == 0 {
		return e.stopWith(ctx, aciVerdict{Status: "Canceled", Reason: "The run was canceled before its script started."})
	}
	return nil
}
