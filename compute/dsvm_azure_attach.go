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

// attachRemoteARM attaches an existing VM to an Azure workspace through ARM: it validates the
// configuration with azureml-core's messages, sends the SSH credentials in the PUT body only,
// waits for the service to accept the VM and sets d's Azure state (and the VM's address, when
// it was attached by resource id). AttachRemote calls it for Azure workspaces.
func attachRemoteARM(ctx context.Context, d *DSVM) error {
	az, err := azureOf(d.ws, "attaching a VM")
	if err != nil {
		return err
	}
	c, body, err := remoteAttachRequest(az, d.name, d.cfg)
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
	rememberAttach(d.ws, d.name, c)
	return nil
}

// BeginAttachRemote starts attaching an existing VM to an Azure workspace, as AttachRemote
// does there, and returns the operation's poller (see BeginOptions): its result is the VM as
// the service reports it, and compute.Get then returns the *DSVM. The password is remembered in
// this process for that target, as AttachRemote does; another process resuming the operation
// gets the credentials from the service (listKeys). With opts.ResumeToken it continues an
// attachment started earlier; name and cfg are then ignored.
//
// A local workspace attaches a VM at once, by checking it over SSH: use AttachRemote. For it,
// BeginAttachRemote returns an error wrapping ErrRequiresAzureWorkspace.
func BeginAttachRemote(ctx context.Context, ws *workspace.Workspace, name string, cfg *RemoteAttachConfig, opts *BeginOptions) (*runtime.Poller[TargetResult], error) {
	az, err := azureOf(ws, "BeginAttachRemote (a local workspace attaches a VM at once with AttachRemote)")
	if err != nil {
		return nil, err
	}
	if opts.resuming() {
		return resume[TargetResult](az, opts, "VM attachment")
	}
	if cfg == nil {
		return nil, errors.New("compute: nil RemoteAttachConfig")
	}
	c, body, err := remoteAttachRequest(az, name, *cfg)
	if err != nil {
		return nil, err
	}
	p, err := beginCreateOrUpdate[TargetResult](ctx, az, name, body)
	if err != nil {
		return nil, fmt.Errorf("compute: attaching VM %q: %w", name, err)
	}
	rememberAttach(ws, name, c)
	return p, nil
}

// remoteAttachRequest validates a VM attach configuration for an Azure workspace with
// azureml-core's messages and builds the request; it returns cfg with its defaults.
func remoteAttachRequest(az *wsaccess.AzureWorkspace, name string, c RemoteAttachConfig) (RemoteAttachConfig, armmachinelearning.ComputeResource, error) {
	var none armmachinelearning.ComputeResource
	if err := checkNewName(name); err != nil {
		return c, none, err
	}
	if c.UseAgent {
		return c, none, fmt.Errorf("%w: an Azure workspace attaches a VM with a password or a private key; UseAgent cannot be sent to the service", ErrInvalidAttachConfig)
	}
	if c.Address != "" && c.ResourceID != "" {
		return c, none, fmt.Errorf("%w: Error, only one of address/resource_id can be used.", ErrInvalidAttachConfig)
	}
	if c.SSHPort == 0 {
		c.SSHPort = 22
	}
	a := sshAttach{ResourceID: c.ResourceID, Address: c.Address, SSHPort: c.SSHPort, Username: c.Username,
		Password: c.Password, PrivateKeyFile: c.PrivateKeyFile, PrivateKeyPassphrase: c.PrivateKeyPassphrase}
	if err := a.validate(); err != nil {
		return c, none, err
	}
	body, err := a.request(armmachinelearning.ComputeTypeVirtualMachine, az.Location)
	return c, body, err
}

// rememberAttach keeps, for the rest of the process, the password and the host-key policy of a
// VM just attached, so that compute.Get's target connects with them.
func rememberAttach(ws *workspace.Workspace, name string, c RemoteAttachConfig) {
	rememberSecrets(ws, name, c.Password, "")
	if c.KnownHostsFile != "" || c.HostKey != "" {
		rememberHostKeys(ws, name, hostKeyPolicy{knownHostsFile: c.KnownHostsFile, hostKey: c.HostKey})
	}
}
