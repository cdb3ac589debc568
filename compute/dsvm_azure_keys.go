package compute

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"golang.org/x/crypto/ssh"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/remotehost"
	"github.com/amlgo/amlgo/workspace"
)

// vmCredentials are the SSH credentials of a VM of an Azure workspace, as the service's
// listKeys returns them (azureml-core's DsvmCompute.get_credentials). They live in memory
// only: never stored, logged, or put in errors; String hides them.
type vmCredentials struct {
	username   string
	password   string
	privateKey []byte
	passphrase string
}

// String never shows the secrets.
func (c vmCredentials) String() string {
	method := "none"
	switch {
	case len(c.privateKey) > 0:
		method = "publickey"
	case c.password != "":
		method = "password"
	}
	return fmt.Sprintf("vmCredentials(username=%q, auth=%s)", c.username, method)
}

// GoString never shows the secrets either.
func (c vmCredentials) GoString() string { return c.String() }

// listKeys fetches the VM's SSH credentials from the service (Compute_ListKeys). A private key
// is preferred to a password when the service has both.
func (a *dsvmAzure) listKeys(ctx context.Context, name string) (vmCredentials, error) {
	k, err := a.az.Clients.ListComputeKeys(ctx, a.az.ResourceGroup, a.az.Name, name)
	if arm.IsNotFound(err) {
		return vmCredentials{}, notFound(name, err)
	}
	if err != nil {
		return vmCredentials{}, fmt.Errorf("compute: listing the keys of VM target %q: %w", name, err)
	}
	var acct armmachinelearning.VirtualMachineSSHCredentials
	if s, ok := k.Secrets.(*armmachinelearning.VirtualMachineSecrets); ok && s.AdministratorAccount != nil {
		acct = *s.AdministratorAccount
	}
	if deref(acct.Password) == "" && deref(acct.PrivateKeyData) == "" {
		return vmCredentials{}, fmt.Errorf("compute: VM target %q: the service returned no SSH password or private key (listKeys); call SetPassword first", name)
	}
	c := vmCredentials{username: deref(acct.Username)}
	if key := deref(acct.PrivateKeyData); key != "" {
		c.privateKey, c.passphrase = []byte(key), k.Passphrase
	} else {
		c.password = deref(acct.Password)
	}
	return c, nil
}

// SetHostKeys says how the host key of a VM of an Azure workspace is checked when amlgo
// connects to it: against knownHostsFile (an OpenSSH known_hosts file; "" = ~/.ssh/known_hosts)
// or, when hostKey is set, against that pinned public key (authorized_keys format). At most one
// may be set. The service does not know the VM's host key, so an unknown host fails with
// ErrHostUnknown and the key's fingerprint until one of them trusts it.
//
// The choice is remembered in memory for the rest of the process, so that compute.Get — and
// experiment, reattaching to a run — use it too. VM targets of a local workspace keep the policy
// they were attached with; for them SetHostKeys returns an error wrapping ErrUnsupported.
func (d *DSVM) SetHostKeys(knownHostsFile, hostKey string) error {
	if d.azure == nil {
		return fmt.Errorf("%w: VM target %q of a local workspace checks host keys as it was attached; attach it again to change that", ErrUnsupported, d.name)
	}
	if knownHostsFile != "" && hostKey != "" {
		return errors.New("compute: set at most one of the known_hosts file and the pinned host key")
	}
	if hostKey != "" {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hostKey)); err != nil {
			return fmt.Errorf("compute: the pinned host key is not an authorized_keys line: %w", err)
		}
	}
	if knownHostsFile != "" {
		p, err := absUserPath(knownHostsFile)
		if err != nil {
			return fmt.Errorf("compute: %w", err)
		}
		knownHostsFile = p
	}
	policy := hostKeyPolicy{knownHostsFile: knownHostsFile, hostKey: hostKey}
	rememberHostKeys(d.ws, d.name, policy)
	d.cfg.KnownHostsFile, d.cfg.HostKey = policy.knownHostsFile, policy.hostKey
	d.remote = d.azure.remoteHost(d.ws, d.name, d.cfg, d.opts)
	return nil
}

// remoteHost returns the process's connection to the VM for cfg: it uses a password given
// earlier in the process (SetPassword, AttachRemote), else fetches the credentials from the
// service when it first connects.
func (a *dsvmAzure) remoteHost(ws *workspace.Workspace, name string, cfg RemoteAttachConfig, o DSVMOptions) *remotehost.Host {
	h := remotehost.Shared(ws.Dir(), name, remotehost.Config(cfg), o.RemoteDir, o.Logger)
	if pw, _ := recalledSecrets(ws, name); pw != "" {
		h.SetSecrets(pw, "")
	}
	h.SetKeySource(func(ctx context.Context) (remotehost.Credentials, error) {
		c, err := a.listKeys(ctx, name)
		return remotehost.Credentials{Username: c.username, Password: c.password, PrivateKey: c.privateKey, Passphrase: c.passphrase}, err
	})
	return h
}

// hostKeyPolicy is how a VM of an Azure workspace has its host key checked.
type hostKeyPolicy struct{ knownHostsFile, hostKey string }

// The process's memory of host-key policies set by SetHostKeys, by workspace and target.
var (
	hostKeysMu sync.Mutex
	hostKeys   = map[string]hostKeyPolicy{}
)

func rememberHostKeys(ws *workspace.Workspace, name string, p hostKeyPolicy) {
	hostKeysMu.Lock()
	defer hostKeysMu.Unlock()
	hostKeys[secretKey(ws, name)] = p
}

func recalledHostKeys(ws *workspace.Workspace, name string) hostKeyPolicy {
	hostKeysMu.Lock()
	defer hostKeysMu.Unlock()
	return hostKeys[secretKey(ws, name)]
}
