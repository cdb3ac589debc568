package compute

import (
	"context"
	"errors"
	"fmt"

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
// the service to provision it. A failed provisioning is a *ProvisioningError.
func CreateDSVM(ctx context.Context, ws *workspace.Workspace, name string, cfg *DSVMProvisioningConfig) (*DSVM, error) {
	az, err := azureOf(ws, "CreateDSVM")
	if err != nil {
		return nil, err
	}
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
	res, err := provision(ctx, az, name, "creating VM", p)
	if err != nil {
		return nil, err
	}
	return dsvmFromResource(ws, az, res)
}

// attachRemoteARM attaches an existing VM to an Azure workspace through ARM: it validates the
// configuration with azureml-core's messages, sends the SSH credentials in the PUT body only,
// waits for the service to accept the VM and sets d's Azure state (and the VM's address, when
// it was attached by resource id).
func attachRemoteARM(ctx context.Context, d *DSVM) error {
	az, err := azureOf(d.ws, "attaching a VM")
	if err != nil {
		return err
	}
	if err := checkNewName(d.name); err != nil {
		return err
	}
	c := d.cfg
	if c.UseAgent {
		return fmt.Errorf("%w: an Azure workspace attaches a VM with a password or a private key; UseAgent cannot be sent to the service", ErrInvalidAttachConfig)
	}
	if c.Address != "" && c.ResourceID != "" {
		return fmt.Errorf("%w: Error, only one of address/resource_id can be used.", ErrInvalidAttachConfig)
	}
	if c.SSHPort == 0 {
		c.SSHPort = 22
	}
	a := sshAttach{ResourceID: c.ResourceID, Address: c.Address, SSHPort: c.SSHPort, Username: c.Username,
		Password: c.Password, PrivateKeyFile: c.PrivateKeyFile, PrivateKeyPassphrase: c.PrivateKeyPassphrase}
	if err := a.validate(); err != nil {
		return err
	}
	body, err := a.request(armmachinelearning.ComputeTypeVirtualMachine, az.Location)
	if err != nil {
		return err
	}
	p, err := beginCreateOrUpdate[TargetResult](ctx, az, d.name, body)
	if err != nil {
		return fmt.Errorf("compute: attaching VM %q: %w", d.name, err)
	}
	res, err := provision(ctx, az, d.name, "attaching VM", p)
	if err != nil {
		return err
	}
	vm, ok := res.Properties.(*armmachinelearning.VirtualMachine)
	if !ok {
		return fmt.Errorf("compute: attaching VM %q: the service returned a %s compute", d.name, deref(baseOf(res).ComputeType))
	}
	props := deref(vm.Properties)
	if c.Address == "" {
		c.Address = deref(props.Address)
	}
	nd := newDSVM(d.ws, d.name, c, nil)
	d.cfg, d.opts = c, nd.opts
	d.azure = &dsvmAzure{az: az, created: false, vmSize: deref(props.VirtualMachineSize), id: deref(res.ID)}
	d.remote = d.azure.remoteHost(d.ws, d.name, c, d.opts)
	d.cfg.Password, d.cfg.PrivateKeyPassphrase = "", "" // the connection has them
	// Remembered for the rest of the process, so that compute.Get finds them.
	rememberSecrets(d.ws, d.name, c.Password, "")
	if c.KnownHostsFile != "" || c.HostKey != "" {
		rememberHostKeys(d.ws, d.name, hostKeyPolicy{knownHostsFile: c.KnownHostsFile, hostKey: c.HostKey})
	}
	return nil
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
// it. Attached VMs are refused with azureml-core's message: detach them instead.
func (d *DSVM) Delete(ctx context.Context) error {
	if d.IsAttached() {
		return fmt.Errorf("%w: Delete is not supported for RemoteCompute object. Try to use detach instead.", ErrUnsupported)
	}
	return deleteOrDetach(ctx, d.azure.az, d.name, armmachinelearning.UnderlyingResourceActionDelete)
}

// detachARM detaches a VM attached to an Azure workspace (Compute_Delete with
// underlyingResourceAction=Detach); a VM the workspace created is refused with azureml-core's
// message. DSVM.Detach calls it for targets of Azure workspaces.
func (a *dsvmAzure) detachARM(ctx context.Context, name string) error {
	if a.created {
		return fmt.Errorf("%w: Detach is not supported for DSVM object. Try to use delete instead.", ErrUnsupported)
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
