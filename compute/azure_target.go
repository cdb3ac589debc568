package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// AzureTarget is a compute target of an Azure workspace whose type amlgo does not run jobs on
// (AKS, Kubernetes, ComputeInstance, Databricks, DataFactory, …). It can be listed, inspected
// and deleted or detached; Start returns an error wrapping errors.ErrUnsupported.
type AzureTarget struct {
	name     string
	az       *wsaccess.AzureWorkspace
	typ      string
	attached bool
	state    ProvisioningState
}

var (
	_ ComputeTarget = (*AzureTarget)(nil)
	_ Detacher      = (*AzureTarget)(nil)
)

func newAzureTarget(_ *workspace.Workspace, az *wsaccess.AzureWorkspace, res *armmachinelearning.ComputeResource) *AzureTarget {
	b := baseOf(res)
	return &AzureTarget{name: deref(res.Name), az: az, typ: string(deref(b.ComputeType)),
		state: ProvisioningState(deref(b.ProvisioningState)), attached: deref(b.IsAttachedCompute)}
}

// Name returns the target's name.
func (t *AzureTarget) Name() string { return t.name }

// Type returns the service's computeType, e.g. "AKS".
func (t *AzureTarget) Type() Type { return Type(t.typ) }

// Capabilities are unknown for these types: none is reported.
func (t *AzureTarget) Capabilities() Capabilities { return Capabilities{} }

// IsAttached reports whether the target was attached (rather than created) by the workspace.
func (t *AzureTarget) IsAttached() bool { return t.attached }

// Status reads the target's provisioning state from the service.
func (t *AzureTarget) Status(ctx context.Context) (ProvisioningState, error) {
	res, err := getARM(ctx, t.az, t.name)
	if err != nil {
		return ProvisioningUnknown, err
	}
	return ProvisioningState(deref(baseOf(res).ProvisioningState)), nil
}

// Start returns an error wrapping errors.ErrUnsupported: amlgo does not run jobs on this type.
func (t *AzureTarget) Start(ctx context.Context, job *Job) (Execution, error) {
	return nil, unsupported("compute target %q has type %s, which amlgo cannot run jobs on", t.name, t.typ)
}

// Delete deletes the target and its underlying resource (created targets only), and waits
// until the service has removed it. BeginDelete is the non-blocking form.
func (t *AzureTarget) Delete(ctx context.Context) error {
	if t.attached {
		return t.errDeleteAttached()
	}
	return deleteOrDetach(ctx, t.az, t.name, armmachinelearning.UnderlyingResourceActionDelete)
}

// BeginDelete starts deleting the target, as Delete does, and returns the operation's poller
// (see BeginOptions).
func (t *AzureTarget) BeginDelete(ctx context.Context, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	if t.attached {
		return nil, t.errDeleteAttached()
	}
	return beginDelete(ctx, t.az, t.name, armmachinelearning.UnderlyingResourceActionDelete, opts)
}

func (t *AzureTarget) errDeleteAttached() error {
	return fmt.Errorf("%w: Delete is not supported for attached compute %s. Try to use detach instead.", ErrUnsupported, t.name)
}

// Detach removes the target from the workspace, keeping its underlying resource, and waits
// until the service has done so. BeginDetach is the non-blocking form.
func (t *AzureTarget) Detach(ctx context.Context) error {
	return deleteOrDetach(ctx, t.az, t.name, armmachinelearning.UnderlyingResourceActionDetach)
}

// BeginDetach starts detaching the target, as Detach does, and returns the operation's poller
// (see BeginOptions).
func (t *AzureTarget) BeginDetach(ctx context.Context, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	return beginDelete(ctx, t.az, t.name, armmachinelearning.UnderlyingResourceActionDetach, opts)
}

// unsupported returns an error wrapping both ErrUnsupported and errors.ErrUnsupported.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %w", ErrUnsupported, fmt.Sprintf(format, args...), errors.ErrUnsupported)
}
