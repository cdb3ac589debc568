package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// dsvmAzure is the Azure side of a DSVM on an Azure workspace: its ARM resource.
type dsvmAzure struct {
	az *wsaccess.AzureWorkspace
	// created is true for a VM the workspace created (azureml's DsvmCompute), false for an
	// attached one (RemoteCompute).
	created bool
	vmSize  string
	id      string
}

// DSVMProvisioningConfig is how to create a VM, as azureml-core's
// DsvmCompute.provisioning_configuration.
type DSVMProvisioningConfig struct {
	// VMSize is the VM size ("" = the service's default, Standard_DS3_v2).
	VMSize string
	// SSHPort is the SSH port (0 = 22).
	SSHPort int
	// Location is the region to create the VM in ("" = the workspace's).
	Location string
}

// CreateDSVM creates a Data Science VM through an Azure workspace, as azureml-core's
// ComputeTarget.create(ws, name, DsvmCompute.provisioning_configuration(...)), and waits for
// the service to provision it. A failed provisioning is a *ProvisioningError. BeginCreateDSVM
// is the non-blocking form.
func CreateDSVM(ctx context.Context, ws *workspace.Workspace, name string, cfg *DSVMProvisioningConfig) (*DSVM, error) {
	az, err := azureOf(ws, "CreateDSVM")
	if err != nil {
		return nil, err
	}
	p, err := beginCreateDSVM(ctx, az, name, cfg)
	if err != nil {
		return nil, err
	}
	res, err := provision(ctx, az, name, "creating VM", p)
	if err != nil {
		return nil, err
	}
	return dsvmFromResource(ws, az, res)
}

// BeginCreateDSVM starts creating a Data Science VM through an Azure workspace, as CreateDSVM
// does, and returns the operation's poller (see BeginOptions): its result is the VM as the
// service reports it, and compute.Get then returns the *DSVM. With opts.ResumeToken it
// continues a creation started earlier; name and cfg are then ignored.
func BeginCreateDSVM(ctx context.Context, ws *workspace.Workspace, name string, cfg *DSVMProvisioningConfig, opts *BeginOptions) (*runtime.Poller[TargetResult], error) {
	az, err := azureOf(ws, "BeginCreateDSVM")
	if err != nil {
		return nil, err
	}
	if opts.resuming() {
		return resume[TargetResult](az, opts, "VM creation")
	}
	return beginCreateDSVM(ctx, az, name, cfg)
}

// beginCreateDSVM validates cfg and sends the creation request.
func beginCreateDSVM(ctx context.Context, az *wsaccess.AzureWorkspace, name string, cfg *DSVMProvisioningConfig) (*runtime.Poller[TargetResult], error) {
	if err := checkNewName(name); err != nil {
		return nil, err
	}
	var c DSVMProvisioningConfig
	if cfg != nil {
		c = *cfg
	}
	if c.SSHPort == 0 {
		c.SSHPort = 22
	}
	if c.SSHPort < 0 || c.SSHPort > 65535 {
		return nil, fmt.Errorf("%w: invalid ssh port %d", ErrInvalidProvisioningConfig, c.SSHPort)
	}
	if c.Location == "" {
		c.Location = az.Location
	}
	port := int32(c.SSHPort)
	body := armmachinelearning.ComputeResource{Location: ptrOrNil(az.Location), Properties: &armmachinelearning.VirtualMachine{
		ComputeType:     to.Ptr(armmachinelearning.ComputeTypeVirtualMachine),
		ComputeLocation: ptrOrNil(c.Location),
		Properties:      &armmachinelearning.VirtualMachineSchemaProperties{VirtualMachineSize: ptrOrNil(c.VMSize), SSHPort: &port},
	}}
	p, err := beginCreateOrUpdate[TargetResult](ctx, az, name, body)
	if err != nil {
		return nil, fmt.Errorf("compute: creating VM %q: %w", name, err)
	}
	return p, nil
}

// dsvmFromARM builds the DSVM of a VirtualMachine compute resource. The service never returns
// credentials in GET: a target read back this way knows its address, port and user, and fetches
// its credentials with listKeys when it first connects (compute/dsvm_azure_keys.go).
func dsvmFromARM(ws *workspace.Workspace, az *wsaccess.AzureWorkspace, res *armmachinelearning.ComputeResource, vm *armmachinelearning.VirtualMachine) (*DSVM, error) {
	props := deref(vm.Properties)
	cfg := RemoteAttachConfig{Address: deref(props.Address), SSHPort: 22, ResourceID: deref(vm.ResourceID)}
	if props.SSHPort != nil {
		cfg.SSHPort = int(*props.SSHPort)
	}
	if props.AdministratorAccount != nil {
		cfg.Username = deref(props.AdministratorAccount.Username)
	}
	// A password given in this process (SetPassword) wins; without one, the first connection
	// fetches the credentials with listKeys. The host key is checked as SetHostKeys said.
	name := deref(res.Name)
	hk := recalledHostKeys(ws, name)
	cfg.KnownHostsFile, cfg.HostKey = hk.knownHostsFile, hk.hostKey
	d := newDSVM(ws, name, cfg, nil)
	d.azure = &dsvmAzure{az: az, created: !deref(vm.IsAttachedCompute), vmSize: deref(props.VirtualMachineSize), id: deref(res.ID)}
	d.remote = d.azure.remoteHost(ws, name, cfg, d.opts)
	return d, nil
}

// dsvmFromResource is dsvmFromARM for a compute that must be a VirtualMachine.
func dsvmFromResource(ws *workspace.Workspace, az *wsaccess.AzureWorkspace, res *armmachinelearning.ComputeResource) (*DSVM, error) {
	vm, ok := res.Properties.(*armmachinelearning.VirtualMachine)
	if !ok {
		return nil, fmt.Errorf("compute: %q is a %s compute, not a VirtualMachine", deref(res.Name), deref(baseOf(res).ComputeType))
	}
	return dsvmFromARM(ws, az, res, vm)
}

// IsAttached reports whether the VM was attached to the workspace (azureml's RemoteCompute)
// rather than created by it (DsvmCompute). VMs of a local workspace are always attached.
func (d *DSVM) IsAttached() bool { return d.azure == nil || !d.azure.created }

// Delete deletes a VM the Azure workspace created, and waits until the service has removed
// it. Attached VMs are refused with azureml-core's message: detach them instead. BeginDelete
// is the non-blocking form.
func (d *DSVM) Delete(ctx context.Context) error {
	if d.IsAttached() {
		return errDeleteAttachedVM
	}
	return deleteOrDetach(ctx, d.azure.az, d.name, armmachinelearning.UnderlyingResourceActionDelete)
}

var errDeleteAttachedVM = fmt.Errorf("%w: Delete is not supported for RemoteCompute object. Try to use detach instead.", ErrUnsupported)

// BeginDelete starts deleting a VM the Azure workspace created, as Delete does, and returns
// the operation's poller (see BeginOptions), done once the service has removed the VM.
func (d *DSVM) BeginDelete(ctx context.Context, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	if d.IsAttached() {
		return nil, errDeleteAttachedVM
	}
	return beginDelete(ctx, d.azure.az, d.name, armmachinelearning.UnderlyingResourceActionDelete, opts)
}

// BeginDetach starts detaching a VM from an Azure workspace, as Detach does, and returns the
// operation's poller (see BeginOptions); the target's SSH connection is closed once the
// service has the request. A VM the workspace created is refused: delete it instead. A VM of
// a local workspace is detached at once by Detach; BeginDetach returns an error wrapping
// ErrRequiresAzureWorkspace for it.
func (d *DSVM) BeginDetach(ctx context.Context, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	if d.azure == nil {
		return nil, fmt.Errorf("%w: BeginDetach (a VM of a local workspace is detached at once with Detach)", ErrRequiresAzureWorkspace)
	}
	if d.azure.created {
		return nil, errDetachCreatedVM
	}
	p, err := beginDelete(ctx, d.azure.az, d.name, armmachinelearning.UnderlyingResourceActionDetach, opts)
	if err != nil {
		return nil, err
	}
	_ = d.Close()
	return p, nil
}

var errDetachCreatedVM = fmt.Errorf("%w: Detach is not supported for DSVM object. Try to use delete instead.", ErrUnsupported)

// detachARM detaches a VM attached to an Azure workspace (Compute_Delete with
// underlyingResourceAction=Detach); a VM the workspace created is refused with azureml-core's
// message. DSVM.Detach calls it for targets of Azure workspaces.
func (a *dsvmAzure) detachARM(ctx context.Context, name string) error {
	if a.created {
		return errDetachCreatedVM
	}
	return deleteOrDetach(ctx, a.az, name, armmachinelearning.UnderlyingResourceActionDetach)
}

// statusARM reads the VM's provisioning state from the service.
func (a *dsvmAzure) statusARM(ctx context.Context, name string) (ProvisioningState, error) {
	if a == nil {
		return ProvisioningUnknown, errors.New("compute: not a VM of an Azure workspace")
	}
	res, err := getARM(ctx, a.az, name)
	if err != nil {
		return ProvisioningUnknown, err
	}
	return ProvisioningState(deref(baseOf(res).ProvisioningState)), nil
}
