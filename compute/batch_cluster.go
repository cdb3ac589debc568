package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

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

// Detach is refused: a created cluster is deleted, not detached.
func (c *BatchCluster) Detach(ctx context.Context) error {
	return fmt.Errorf("%w: Detach is not supported for AmlCompute object. Try to use delete instead.", ErrUnsupported)
}

// Delete deletes the cluster and its nodes, and waits until the service has removed it.
// BeginDelete is the non-blocking form.
func (c *BatchCluster) Delete(ctx context.Context) error {
	return deleteOrDetach(ctx, c.az, c.name, armmachinelearning.UnderlyingResourceActionDelete)
}

// BeginDelete starts deleting the cluster and its nodes, as Delete does, and returns the
// operation's poller (see BeginOptions), done once the service has removed the cluster.
func (c *BatchCluster) BeginDelete(ctx context.Context, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	return beginDelete(ctx, c.az, c.name, armmachinelearning.UnderlyingResourceActionDelete, opts)
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

// CreateBatchCluster starts creating an AmlCompute cluster on an Azure workspace, as
// azureml-core's ComputeTarget.create(ws, name, AmlCompute.provisioning_configuration(...)):
// it validates cfg with azureml's messages, sends the creation request and returns the
// cluster without waiting; call WaitForCompletion to follow the provisioning, as azureml-core's
// wait_for_completion does. BeginCreateBatchCluster returns the operation's poller instead.
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

// BeginCreateBatchCluster starts creating an AmlCompute cluster, validating cfg as
// CreateBatchCluster does, and returns the operation's poller (see BeginOptions): its
// PollUntilDone returns the cluster's name and status once provisioned, or an
// *azcore.ResponseError when the provisioning failed. With opts.ResumeToken it continues a
// creation started earlier (also one from CreateBatchCluster: BatchCluster.ResumeToken); name
// and cfg are then ignored.
func BeginCreateBatchCluster(ctx context.Context, ws *workspace.Workspace, name string, cfg *BatchClusterConfig, opts *BeginOptions) (*runtime.Poller[BatchClusterResult], error) {
	az, err := azureOf(ws, "BeginCreateBatchCluster")
	if err != nil {
		return nil, err
	}
	if opts.resuming() {
		return resume[BatchClusterResult](az, opts, "cluster creation")
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
// (BeginCreateBatchCluster with BeginOptions.ResumeToken); "" when none is pending.
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
