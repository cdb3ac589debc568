package compute

import (
	"context"

	"github.com/amlgo/amlgo/workspace"
)

// RemoteAttachConfig describes an existing Linux VM reachable over SSH, as azureml-core's
// RemoteCompute.attach_configuration. Exactly one of Password, PrivateKeyFile or UseAgent
// authenticates; the host key is checked against KnownHostsFile (default ~/.ssh/known_hosts) or
// the pinned HostKey unless InsecureIgnoreHostKey is set.
type RemoteAttachConfig struct {
	// Address is the VM's DNS name or IP address (or ResourceID, on an Azure workspace).
	Address string
	// ResourceID is the ARM id of an Azure VM to attach instead of Address (Azure workspaces).
	ResourceID string
	// SSHPort is the SSH port (default 22).
	SSHPort int
	// Username is the account to log in as.
	Username string
	// Password authenticates with a password. It is never stored or logged.
	Password string
	// PrivateKeyFile authenticates with a private key file; PrivateKeyPassphrase decrypts it.
	PrivateKeyFile       string
	PrivateKeyPassphrase string
	// UseAgent authenticates through the ssh-agent at $SSH_AUTH_SOCK.
	UseAgent bool
	// KnownHostsFile holds the trusted host keys (default ~/.ssh/known_hosts).
	KnownHostsFile string
	// HostKey pins the host's public key (authorized_keys format) instead of known_hosts.
	HostKey string
	// InsecureIgnoreHostKey accepts any host key. It makes the connection open to
	// man-in-the-middle attacks; use it only for throwaway test machines.
	InsecureIgnoreHostKey bool
}

// DSVM is a Linux VM that runs jobs over SSH: a VM attached by address (azureml's
// RemoteCompute) or, on an Azure workspace, a VM created or attached through the service
// (DsvmCompute). amlgo drives the VM itself: it uploads only the snapshot files the VM lacks,
// starts the same detached driver as the local target, and observes the run over SFTP.
type DSVM struct {
	name string
	ws   *workspace.Workspace
	cfg  RemoteAttachConfig

	azure *dsvmAzure // set for targets of an Azure workspace (compute/dsvm_azure.go)
}

var _ ComputeTarget = (*DSVM)(nil)

// Name returns the target's name.
func (d *DSVM) Name() string { return d.name }

// Type returns TypeVirtualMachine.
func (d *DSVM) Type() Type { return TypeVirtualMachine }

// Capabilities of a VM target, as azureml-core documents them.
func (d *DSVM) Capabilities() Capabilities {
	return Capabilities{GPU: true, HyperparameterTuning: true, ModelSelection: true, Pipelines: true}
}

// Status is filled in by the SSH side (connect and check the host).
func (d *DSVM) Status(ctx context.Context) (ProvisioningState, error) {
	return ProvisioningUnknown, ErrUnsupported
}

// Start is filled in by the SSH side.
func (d *DSVM) Start(ctx context.Context, job *Job) (Execution, error) {
	return nil, ErrUnsupported
}
