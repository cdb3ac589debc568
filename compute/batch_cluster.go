package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// ErrWaitTimeout reports that WaitForCompletion's timeout passed before the cluster reached
// the requested node count.
var ErrWaitTimeout = errors.New("compute: wait timeout has been reached")

// ErrProvisioningFailed is matched (errors.Is) by every *ProvisioningError.
var ErrProvisioningFailed = errors.New("compute: provisioning failed")

// ProvisioningError reports a provisioning operation that did not succeed, with the errors the
// service reported (provisioningErrors, or an AmlCompute cluster's errors).
type ProvisioningError struct {
	// Target is the compute target's name.
	Target string
	// State is the terminal state: the operation's (Failed, Canceled) or the target's
	// provisioning state.
	State string
	// Errors are the service's error entries.
	Errors []ServiceError
	// Err is the operation's *azcore.ResponseError, when the service sent one.
	Err error
}

// Error returns azureml-core's ComputeTargetException message.
func (e *ProvisioningError) Error() string {
	msg := fmt.Sprintf("compute: Compute object provisioning polling reached non-successful terminal state, current provisioning state: %s", e.State)
	if len(e.Errors) > 0 {
		msg += "\nProvisioning operation error:\n" + formatErrors(e.Errors)
	}
	return msg
}

// Unwrap returns the service's response error, if any.
func (e *ProvisioningError) Unwrap() error { return e.Err }

// Is matches ErrProvisioningFailed.
func (e *ProvisioningError) Is(target error) bool { return target == ErrProvisioningFailed }

// BatchCluster is an AmlCompute ("Batch") cluster of an Azure workspace: a managed, autoscaling
// pool of VMs the service runs jobs on. Its methods are safe for concurrent use.
type BatchCluster struct {
	name string
	ws   *workspace.Workspace
	az   *wsaccess.AzureWorkspace

	mu sync.Mutex
	op *runtime.Poller[BatchClusterResult] // pending create operation, nil when none
}

var (
	_ ComputeTarget = (*BatchCluster)(nil)
	_ Provisioner   = (*BatchCluster)(nil)
	_ Detacher      = (*BatchCluster)(nil)
)

func newBatchCluster(ws *workspace.Workspace, az *wsaccess.AzureWorkspace, res *armmachinelearning.ComputeResource, op *runtime.Poller[BatchClusterResult]) *BatchCluster {
	return &BatchCluster{name: deref(res.Name), ws: ws, az: az, op: op}
}

// Name returns the cluster's name.
func (c *BatchCluster) Name() string { return c.name }

// Type returns TypeAmlCompute.
func (c *BatchCluster) Type() Type { return TypeAmlCompute }

// Capabilities of AmlCompute, as azureml-core documents them.
func (c *BatchCluster) Capabilities() Capabilities {
	return Capabilities{GPU: true, HyperparameterTuning: true, ModelSelection: true, Pipelines: true}
}

// ID returns the cluster's ARM resource id.
func (c *BatchCluster) ID() string { return c.az.ComputeID(c.name) }

// Status reads the cluster's provisioning state from the service.
func (c *BatchCluster) Status(ctx context.Context) (ProvisioningState, error) {
	st, err := c.ClusterStatus(ctx)
	if err != nil {
		return ProvisioningUnknown, err
	}
	return st.ProvisioningState, nil
}

// Start is not implemented yet: running on AmlCompute goes through the Azure ML jobs API.
func (c *BatchCluster) Start(ctx context.Context, job *Job) (Execution, error) {
	return nil, unsupported("running jobs on AmlCompute cluster %q (the Azure ML jobs API) is not implemented yet", c.name)
}

// Detach is refused: a created cluster is deleted, not detached.
func (c *BatchCluster) Detach(ctx context.Context) error {
	return fmt.Errorf("%w: Detach is not supported for AmlCompute object. Try to use delete instead.", ErrUnsupported)
}

// Delete deletes the cluster and its nodes, and waits until the service has removed it.
func (c *BatchCluster) Delete(ctx context.Context) error {
	return deleteOrDetach(ctx, c.az, c.name, armmachinelearning.UnderlyingResourceActionDelete)
}

// BatchClusterStatus is an AmlCompute cluster's detailed status (azureml-core's
// AmlComputeStatus plus the provisioning errors).
type BatchClusterStatus struct {
	// ProvisioningState is Creating, Succeeded, Failed, Deleting, Updating, Canceled or
	// Unknown (open set: other strings are kept).
	ProvisioningState ProvisioningState
	// AllocationState is Steady or Resizing (open set).
	AllocationState string
	// AllocationStateTransitionTime is when the allocation state last changed.
	AllocationStateTransitionTime time.Time
	// CurrentNodeCount and TargetNodeCount are the cluster's node counts (nil when unknown).
	CurrentNodeCount, TargetNodeCount *int
	// NodeStateCounts counts the nodes by state.
	NodeStateCounts NodeStateCounts
	// VMSize and VMPriority are the nodes' size and priority.
	VMSize, VMPriority string
	// ScaleSettings are the cluster's scale settings.
	ScaleSettings ScaleSettings
	// CreatedOn and ModifiedOn are when the compute object was created and last modified.
	CreatedOn, ModifiedOn time.Time
	// Errors are the errors the cluster reports; ProvisioningErrors those of its provisioning.
	Errors, ProvisioningErrors []ServiceError
}

// NodeStateCounts counts an AmlCompute cluster's nodes by state.
type NodeStateCounts struct {
	Idle, Running, Preparing, Unusable, Leaving, Preempted int
}

// ScaleSettings are an AmlCompute cluster's scale settings.
type ScaleSettings struct {
	MinNodes, MaxNodes         int
	IdleSecondsBeforeScaledown int
}

func statusFromARM(res *armmachinelearning.ComputeResource) *BatchClusterStatus {
	st := &BatchClusterStatus{}
	if res.Properties == nil || res.Properties.GetCompute() == nil {
		return st
	}
	b := baseOf(res)
	st.ProvisioningState = ProvisioningState(deref(b.ProvisioningState))
	st.ProvisioningErrors = serviceErrors(b.ProvisioningErrors)
	st.CreatedOn, st.ModifiedOn = deref(b.CreatedOn), deref(b.ModifiedOn)
	aml, ok := res.Properties.(*armmachinelearning.AmlCompute)
	if !ok || aml.Properties == nil {
		return st
	}
	p := aml.Properties
	st.AllocationState, st.VMSize, st.VMPriority = string(deref(p.AllocationState)), deref(p.VMSize), string(deref(p.VMPriority))
	st.AllocationStateTransitionTime = deref(p.AllocationStateTransitionTime)
	if p.CurrentNodeCount != nil {
		n := int(*p.CurrentNodeCount)
		st.CurrentNodeCount = &n
	}
	if p.TargetNodeCount != nil {
		n := int(*p.TargetNodeCount)
		st.TargetNodeCount = &n
	}
	if c := p.NodeStateCounts; c != nil {
		st.NodeStateCounts = NodeStateCounts{Idle: int(deref(c.IdleNodeCount)), Running: int(deref(c.RunningNodeCount)),
			Preparing: int(deref(c.PreparingNodeCount)), Unusable: int(deref(c.UnusableNodeCount)), Leaving: int(deref(c.LeavingNodeCount)),
			Preempted: int(deref(c.PreemptedNodeCount))}
	}
	if s := p.ScaleSettings; s != nil {
		st.ScaleSettings.MaxNodes = int(deref(s.MaxNodeCount))
		st.ScaleSettings.MinNodes = int(deref(s.MinNodeCount))
		st.ScaleSettings.IdleSecondsBeforeScaledown = durationSeconds(deref(s.NodeIdleTimeBeforeScaleDown))
	}
	st.Errors = serviceErrors(p.Errors)
	return st
}

// ClusterStatus reads the cluster's detailed status from the service (azureml-core's
// get_status), including the provisioning errors of a failed cluster.
func (c *BatchCluster) ClusterStatus(ctx context.Context) (*BatchClusterStatus, error) {
	res, err := getARM(ctx, c.az, c.name)
	if err != nil {
		return nil, err
	}
	return statusFromARM(res), nil
}

// BatchClusterResult is the final result of BeginCreateBatchCluster's poller: the cluster's
// name and status once the creation has finished.
type BatchClusterResult struct {
	// Name is the cluster's name.
	Name string
	// Status is the cluster's status.
	Status BatchClusterStatus
}

// UnmarshalJSON decodes the service's compute resource.
func (r *BatchClusterResult) UnmarshalJSON(b []byte) error {
	var res armmachinelearning.ComputeResource
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("compute: %w", err)
	}
	r.Name, r.Status = deref(res.Name), *statusFromARM(&res)
	return nil
}

// BeginCreateOptions are the options of BeginCreateBatchCluster.
type BeginCreateOptions struct {
	// ResumeToken resumes polling a creation started earlier (from Poller.ResumeToken, maybe
	// in another process); name and cfg are then ignored.
	ResumeToken string
}

// CreateBatchCluster starts creating an AmlCompute cluster on an Azure workspace, as
// azureml-core's ComputeTarget.create(ws, name, AmlCompute.provisioning_configuration(...)):
// it validates cfg with azureml's messages, sends the creation request and returns the
// cluster without waiting; call WaitForCompletion to follow the provisioning.
func CreateBatchCluster(ctx context.Context, ws *workspace.Workspace, name string, cfg *BatchClusterConfig) (*BatchCluster, error) {
	az, err := azureOf(ws, "CreateBatchCluster")
	if err != nil {
		return nil, err
	}
	p, err := beginCreate(ctx, az, name, cfg)
	if err != nil {
		return nil, err
	}
	return newBatchCluster(ws, az, &armmachinelearning.ComputeResource{Name: &name}, p), nil
}

// BeginCreateBatchCluster starts creating an AmlCompute cluster (or, with
// opts.ResumeToken, resumes following a creation) and returns the operation's poller: its
// PollUntilDone returns the cluster's final status, or an *azcore.ResponseError when the
// provisioning failed.
func BeginCreateBatchCluster(ctx context.Context, ws *workspace.Workspace, name string, cfg *BatchClusterConfig, opts *BeginCreateOptions) (*runtime.Poller[BatchClusterResult], error) {
	az, err := azureOf(ws, "BeginCreateBatchCluster")
	if err != nil {
		return nil, err
	}
	if opts != nil && opts.ResumeToken != "" {
		p, err := arm.Resume[BatchClusterResult](az.Clients, opts.ResumeToken)
		if err != nil {
			return nil, fmt.Errorf("compute: resuming cluster creation: %w", err)
		}
		return p, nil
	}
	return beginCreate(ctx, az, name, cfg)
}

func beginCreate(ctx context.Context, az *wsaccess.AzureWorkspace, name string, cfg *BatchClusterConfig) (*runtime.Poller[BatchClusterResult], error) {
	if err := checkNewName(name); err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, errors.New("compute: nil BatchClusterConfig")
	}
	c := *cfg
	if err := c.validate(); err != nil {
		return nil, err
	}
	p, err := beginCreateOrUpdate[BatchClusterResult](ctx, az, name, c.request(az.SubscriptionID, az.Location))
	if err != nil {
		return nil, fmt.Errorf("compute: creating AmlCompute %q: %w", name, err)
	}
	return p, nil
}

// ResumeToken returns a token to follow the cluster's pending creation from another process
// (BeginCreateBatchCluster with BeginCreateOptions.ResumeToken); "" when none is pending.
func (c *BatchCluster) ResumeToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.op == nil || c.op.Done() {
		return ""
	}
	tok, err := c.op.ResumeToken()
	if err != nil {
		return ""
	}
	return tok
}

// WaitForCompletion waits for the cluster's provisioning, as azureml-core's
// AmlCompute.wait_for_completion: it first follows a pending creation (printing the operation
// state, a dot per poll, and `Provisioning operation finished, operation "<state>"`), then
// polls the cluster every 5 s until it has opts.MinNodeCount nodes (0 = the cluster's minimum),
// reaches a terminal state, reports errors, or opts.Timeout (default 25 minutes) passes —
// writing azureml's progress lines to opts.ShowOutput.
//
// A failed provisioning returns a *ProvisioningError carrying the service's errors; a timeout
// returns an error wrapping ErrWaitTimeout. Cancelling ctx stops waiting only.
func (c *BatchCluster) WaitForCompletion(ctx context.Context, opts *WaitOptions) error {
	var o WaitOptions
	if opts != nil {
		o = *opts
	}
	out := o.ShowOutput
	if out == nil {
		out = io.Discard
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = defaultWaitTimeout
	}
	c.mu.Lock()
	op := c.op
	c.mu.Unlock()
	if op != nil {
		state, detail, err := waitOperation(ctx, op, out)
		if err != nil {
			return fmt.Errorf("compute: waiting for %q: %w", c.name, err)
		}
		c.mu.Lock()
		c.op = nil
		c.mu.Unlock()
		if state != "Succeeded" {
			_, rerr := op.Result(ctx)
			perr := &ProvisioningError{Target: c.name, State: state, Err: rerr}
			if st, err := c.ClusterStatus(ctx); err == nil {
				perr.State = string(st.ProvisioningState)
				perr.Errors = append(st.ProvisioningErrors, st.Errors...)
			}
			if len(perr.Errors) == 0 && detail != nil {
				perr.Errors = []ServiceError{serviceError(detail)}
			}
			return perr
		}
	}
	return c.waitForNodes(ctx, o.MinNodeCount, timeout, out)
}

// waitForNodes is azureml-core's AmlCompute._wait_for_nodes plus the summary lines of
// wait_for_completion.
func (c *BatchCluster) waitForNodes(ctx context.Context, minNodes int, timeout time.Duration, out io.Writer) error {
	start := time.Now()
	st, err := c.ClusterStatus(ctx)
	if err != nil {
		return err
	}
	// azureml's status object exists only in the Succeeded and Updating states.
	hasStatus := func(s *BatchClusterStatus) bool {
		return s.ProvisioningState == ProvisioningSucceeded || s.ProvisioningState == "Updating"
	}
	current := string(st.ProvisioningState)
	fmt.Fprint(out, current)
	target := func(s *BatchClusterStatus) int {
		if minNodes == 0 && hasStatus(s) {
			return s.ScaleSettings.MinNodes
		}
		return minNodes
	}
	minReached := func(s *BatchClusterStatus) bool {
		return hasStatus(s) && s.CurrentNodeCount != nil && *s.CurrentNodeCount >= target(s)
	}
	terminal := func(s *BatchClusterStatus) bool {
		state := capitalize(string(s.ProvisioningState))
		return state == "Failed" || state == "Canceled"
	}
	errorsPresent := func(s *BatchClusterStatus) bool {
		return (hasStatus(s) && len(s.Errors) > 0) || len(s.ProvisioningErrors) > 0
	}
	timedOut := func() bool { return time.Since(start) > timeout }
	for !minReached(st) && !timedOut() && !terminal(st) && !errorsPresent(st) {
		if hasStatus(st) && st.CurrentNodeCount != nil && *st.CurrentNodeCount != 0 {
			fmt.Fprintf(out, "Waiting for cluster to scale. %d out of %d nodes ready.\n", *st.CurrentNodeCount, target(st))
		}
		if err := sleep(ctx, provisioningPollInterval); err != nil {
			return err
		}
		if st, err = c.ClusterStatus(ctx); err != nil {
			return err
		}
		if hasStatus(st) {
			if state := string(st.ProvisioningState); state != current {
				if current == "" {
					fmt.Fprint(out, state)
				} else {
					fmt.Fprint(out, "\n"+state)
				}
				current = state
			} else {
				fmt.Fprint(out, ".")
			}
		}
	}
	fmt.Fprint(out, "\n")
	fmt.Fprint(out, "AmlCompute wait for completion finished\n\n")
	switch {
	case minReached(st):
		fmt.Fprintln(out, "Minimum number of nodes requested have been provisioned")
		return nil
	case timedOut():
		fmt.Fprintln(out, "Wait timeout has been reached")
		nodes := 0
		if st.CurrentNodeCount != nil {
			nodes = *st.CurrentNodeCount
		}
		if hasStatus(st) {
			fmt.Fprintf(out, "Current provisioning state of AmlCompute is %q and current node count is \"%d\"\n", capitalize(string(st.ProvisioningState)), nodes)
		} else {
			fmt.Fprintf(out, "Current provisioning state of AmlCompute is %q\n", capitalize(string(st.ProvisioningState)))
		}
		return fmt.Errorf("%w after %s: AmlCompute %q has %d of %d nodes", ErrWaitTimeout, timeout, c.name, nodes, target(st))
	case terminal(st):
		state := capitalize(string(st.ProvisioningState))
		fmt.Fprintf(out, "Terminal state of %q has been reached\n\n", state)
		if state == "Failed" {
			fmt.Fprintf(out, "Provisioning errors: %s\n\n", formatErrors(st.ProvisioningErrors))
		}
		return &ProvisioningError{Target: c.name, State: state, Errors: append(st.ProvisioningErrors, st.Errors...)}
	default:
		errs := st.ProvisioningErrors
		if hasStatus(st) {
			errs = st.Errors
		}
		fmt.Fprintf(out, "There were errors reported from AmlCompute:\n%s\n", formatErrors(errs))
		return &ProvisioningError{Target: c.name, State: string(st.ProvisioningState), Errors: errs}
	}
}

// UpdateOptions are the new scale settings of Update; nil fields keep the current values.
type UpdateOptions struct {
	MinNodes, MaxNodes         *int
	IdleSecondsBeforeScaledown *int
}

// Update changes the cluster's scale settings, as azureml-core's AmlCompute.update, and waits
// for the service to apply them. Fields left nil keep their current value; nil opts changes
// nothing.
func (c *BatchCluster) Update(ctx context.Context, opts *UpdateOptions) error {
	if opts == nil || (opts.MinNodes == nil && opts.MaxNodes == nil && opts.IdleSecondsBeforeScaledown == nil) {
		return nil
	}
	st, err := c.ClusterStatus(ctx)
	if err != nil {
		return err
	}
	s := st.ScaleSettings
	if opts.MinNodes != nil {
		s.MinNodes = *opts.MinNodes
	}
	if opts.MaxNodes != nil {
		s.MaxNodes = *opts.MaxNodes
	}
	if opts.IdleSecondsBeforeScaledown != nil {
		s.IdleSecondsBeforeScaledown = *opts.IdleSecondsBeforeScaledown
	}
	if s.MinNodes < 0 || s.MaxNodes < s.MinNodes {
		return fmt.Errorf("%w: Invalid provisioning configuration, max nodes count must be greater than or equal to min nodes count", ErrInvalidProvisioningConfig)
	}
	ss := &armmachinelearning.ScaleSettings{MaxNodeCount: to.Ptr(int32(s.MaxNodes)), MinNodeCount: to.Ptr(int32(s.MinNodes))}
	if s.IdleSecondsBeforeScaledown > 0 {
		ss.NodeIdleTimeBeforeScaleDown = to.Ptr(isoSeconds(s.IdleSecondsBeforeScaledown))
	}
	body := armmachinelearning.ClusterUpdateParameters{Properties: &armmachinelearning.ClusterUpdateProperties{
		Properties: &armmachinelearning.ScaleSettingsInformation{ScaleSettings: ss}}}
	p, err := arm.Begin[BatchClusterResult](ctx, c.az.Clients, func(ctx context.Context) error {
		_, err := c.az.Clients.Computes.BeginUpdate(ctx, c.az.ResourceGroup, c.az.Name, c.name, body, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("compute: updating %q: %w", c.name, err)
	}
	if _, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: provisioningPollInterval}); err != nil {
		return fmt.Errorf("compute: updating %q: %w", c.name, err)
	}
	return nil
}

// Node is one node of an AmlCompute cluster.
type Node struct {
	ID               string
	PrivateIPAddress string
	PublicIPAddress  string
	Port             int
	// State is idle, running, preparing, unusable, leaving or preempted (open set).
	State string
	// RunID is the run the node is running ("" when idle).
	RunID string
}

// ListNodes lists the cluster's nodes (azureml-core's list_nodes), following every page.
func (c *BatchCluster) ListNodes(ctx context.Context) iter.Seq2[Node, error] {
	return func(yield func(Node, error) bool) {
		for p := c.az.Clients.Computes.NewListNodesPager(c.az.ResourceGroup, c.az.Name, c.name, nil); p.More(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(Node{}, fmt.Errorf("compute: listing nodes of %q: %w", c.name, err))
				return
			}
			for _, n := range page.Nodes {
				if n == nil {
					continue
				}
				node := Node{ID: deref(n.NodeID), PrivateIPAddress: deref(n.PrivateIPAddress), PublicIPAddress: deref(n.PublicIPAddress),
					State: string(deref(n.NodeState)), Port: int(deref(n.Port)), RunID: deref(n.RunID)}
				if !yield(node, nil) {
					return
				}
			}
		}
	}
}

// durationSeconds parses the day/time ISO 8601 durations the service sends (PT5M, PT1800S,
// P1DT2H); 0 when it cannot.
func durationSeconds(s string) int {
	if len(s) < 2 || s[0] != 'P' {
		return 0
	}
	total, n, inTime := 0.0, 0.0, false
	frac, scale := false, 1.0
	for _, r := range s[1:] {
		switch {
		case r == 'T':
			inTime = true
		case r >= '0' && r <= '9':
			if frac {
				scale /= 10
				n += float64(r-'0') * scale
			} else {
				n = n*10 + float64(r-'0')
			}
		case r == '.':
			frac = true
		default:
			mult := map[rune]float64{'D': 86400, 'H': 3600, 'S': 1}[r]
			if r == 'M' {
				mult = 60
				if !inTime {
					mult = 30 * 86400
				}
			}
			if r == 'W' {
				mult = 7 * 86400
			}
			total += n * mult
			n, frac, scale = 0, false, 1
		}
	}
	return int(total)
}
