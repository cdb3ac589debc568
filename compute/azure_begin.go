package compute

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/wsaccess"
)

// BeginOptions are the options of every Begin* function and method.
//
// Each long-running operation of an Azure workspace comes in two forms, named alike:
//
//   - Begin<Op> sends the operation's request and returns a *runtime.Poller[T] at once, as the
//     Azure SDK for Go does: Poller.PollUntilDone waits for the result, Poller.Poll and
//     Poller.Done follow it step by step, and Poller.ResumeToken returns a token with which
//     another process continues it (the same Begin<Op> with BeginOptions.ResumeToken). A failed
//     operation is the poller's *azcore.ResponseError.
//   - <Op> is azureml-core's blocking call: it waits for the operation (polling every 5 s) and
//     reports a failed provisioning as a *ProvisioningError carrying the service's errors.
//
// The operations: BeginCreateBatchCluster (CreateBatchCluster returns once the request is sent,
// then BatchCluster.WaitForCompletion waits, as azureml-core's ComputeTarget.create and
// wait_for_completion do), BatchCluster.BeginUpdate / Update, BeginCreateDSVM / CreateDSVM,
// BeginAttachRemote / AttachRemote and BeginAttachHDInsight / AttachHDInsight (Azure
// workspaces), and BeginDelete / Delete and BeginDetach / Detach of every Azure target.
type BeginOptions struct {
	// ResumeToken continues an operation started earlier, maybe in another process, instead
	// of starting one: the other arguments are then ignored. A token resumes only the kind of
	// operation it came from.
	ResumeToken string
}

// resuming reports whether opts asks to resume an operation.
func (o *BeginOptions) resuming() bool { return o != nil && o.ResumeToken != "" }

// resume returns the poller of the operation opts.ResumeToken names.
func resume[T any](az *wsaccess.AzureWorkspace, opts *BeginOptions, what string) (*runtime.Poller[T], error) {
	p, err := arm.Resume[T](az.Clients, opts.ResumeToken)
	if err != nil {
		return nil, fmt.Errorf("compute: resuming %s: %w", what, err)
	}
	return p, nil
}

// beginDelete starts (or resumes) Compute_Delete with the action.
func beginDelete(ctx context.Context, az *wsaccess.AzureWorkspace, name string, action armmachinelearning.UnderlyingResourceAction, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	what := strings.ToLower(string(action))
	if opts.resuming() {
		return resume[DeleteResult](az, opts, what)
	}
	p, err := arm.Begin[DeleteResult](ctx, az.Clients, func(ctx context.Context) error {
		_, err := az.Clients.Computes.BeginDelete(ctx, az.ResourceGroup, az.Name, name, action, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("compute: %s %q: %w", what, name, err)
	}
	return p, nil
}

// deleteOrDetach runs Compute_Delete with the action and waits for it to finish.
func deleteOrDetach(ctx context.Context, az *wsaccess.AzureWorkspace, name string, action armmachinelearning.UnderlyingResourceAction) error {
	p, err := beginDelete(ctx, az, name, action, nil)
	if err != nil {
		return err
	}
	if _, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: provisioningPollInterval}); err != nil {
		return fmt.Errorf("compute: %s %q: %w", strings.ToLower(string(action)), name, err)
	}
	return nil
}

// DeleteResult is the result of the pollers of BeginDelete and BeginDetach: the service
// returns no body once a compute is deleted or detached.
type DeleteResult struct{}

// TargetResult is the final result of the pollers of BeginCreateDSVM, BeginAttachRemote and
// BeginAttachHDInsight: the compute as the service reports it once the operation has finished.
// compute.Get returns the target itself.
type TargetResult struct {
	// Name and ID are the compute's name and ARM resource id.
	Name, ID string
	// Type is the compute's type: TypeVirtualMachine or TypeHDInsight.
	Type Type
	// ProvisioningState is the compute's provisioning state.
	ProvisioningState ProvisioningState
	// Attached is true for a compute attached to the workspace, false for one it created.
	Attached bool
	// Address and SSHPort are the SSH endpoint; ResourceID the ARM id of the underlying resource
	// ("" when attached by address); VMSize the VM's size (VMs only).
	Address    string
	SSHPort    int
	ResourceID string
	VMSize     string
}

// UnmarshalJSON decodes the service's compute resource.
func (r *TargetResult) UnmarshalJSON(b []byte) error {
	var res armmachinelearning.ComputeResource
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("compute: %w", err)
	}
	*r = TargetResult{Name: deref(res.Name), ID: deref(res.ID)}
	if res.Properties == nil || res.Properties.GetCompute() == nil {
		return nil
	}
	base := baseOf(&res)
	r.Type, r.ProvisioningState = Type(deref(base.ComputeType)), ProvisioningState(deref(base.ProvisioningState))
	r.Attached, r.ResourceID = deref(base.IsAttachedCompute), deref(base.ResourceID)
	var ssh *int32
	switch p := res.Properties.(type) {
	case *armmachinelearning.VirtualMachine:
		if v := p.Properties; v != nil {
			r.Address, r.VMSize, ssh = deref(v.Address), deref(v.VirtualMachineSize), v.SSHPort
		}
	case *armmachinelearning.HDInsight:
		if v := p.Properties; v != nil {
			r.Address, ssh = deref(v.Address), v.SSHPort
		}
	}
	r.SSHPort = 22
	if ssh != nil {
		r.SSHPort = int(*ssh)
	}
	return nil
}
