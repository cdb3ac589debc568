package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"log/slog"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/remotehost"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
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
	Password string `json:"-"`
	// PrivateKeyFile authenticates with a private key file; PrivateKeyPassphrase decrypts it.
	// The workspace stores the file's absolute path, never the key or the passphrase.
	PrivateKeyFile       string
	PrivateKeyPassphrase string `json:"-"`
	// UseAgent authenticates through the ssh-agent at $SSH_AUTH_SOCK.
	UseAgent bool
	// KnownHostsFile holds the trusted host keys (default ~/.ssh/known_hosts).
	KnownHostsFile string
	// HostKey pins the host's public key (authorized_keys format) instead of known_hosts.
	HostKey string
	// InsecureIgnoreHostKey accepts any host key. It makes the connection open to
	// man-in-the-middle attacks; use it only for throwaway test machines. Every connection made
	// with it logs a warning.
	InsecureIgnoreHostKey bool
}

// String describes the configuration without its secrets.
func (c RemoteAttachConfig) String() string {
	return fmt.Sprintf("RemoteAttachConfig(address=%q, resource_id=%q, ssh_port=%d, username=%q, private_key_file=%q, use_agent=%t, password_set=%t)",
		c.Address, c.ResourceID, c.SSHPort, c.Username, c.PrivateKeyFile, c.UseAgent, c.Password != "")
}

// GoString is String, so that %#v shows no secret either.
func (c RemoteAttachConfig) GoString() string { return c.String() }

// DSVM is a Linux VM that runs jobs over SSH: a VM attached by address (azureml's
// RemoteCompute) or, on an Azure workspace, a VM created or attached through the service
// (DsvmCompute). amlgo drives the VM itself: it uploads only the snapshot files the VM lacks,
// starts the same detached driver as the local target, and observes the run over SFTP.
//
// Everything amlgo keeps on the VM is under ~/.azureml/amlgo: blobs/ (snapshot files by
// sha256), envs/ (conda environments by specification hash), shim/ and driver/ (amlgo's run
// context shim and wrapper, by version) and runs/<run id> (one run directory per run, the same
// layout as the local target's).
//
// The workspace stores the target without its password or key passphrase (the key by path).
// AttachRemote, SetPassword, SetPrivateKeyPassphrase and GetDSVM's options remember them in
// memory for the rest of the process, so compute.Get (and experiment, reattaching to a run)
// finds them; a new process must give them again before a password target can connect.
// A VM of an Azure workspace needs none of them: without a password given in the process, it
// fetches its credentials from the service (listKeys, as azureml-core's
// DsvmCompute.get_credentials) when it first connects, and keeps them in memory only. Its
// host key is checked against ~/.ssh/known_hosts unless SetHostKeys says otherwise.
//
// The process keeps one SSH connection per target, shared by every DSVM value of it, opened on
// first use and re-dialed with backoff when it drops; Close closes it. Its methods are safe for
// concurrent use.
type DSVM struct {
	name string
	ws   *workspace.Workspace
	cfg  RemoteAttachConfig

	azure *dsvmAzure // set for targets of an Azure workspace (compute/dsvm_azure.go)

	opts   DSVMOptions
	remote *remotehost.Host // SSH side; nil for Azure-only targets

	mu     sync.Mutex
	host   *HostReport        // last host check
	engine *dockerexec.Engine // the VM's Docker engine, once reached

	stats remotehost.SyncStats
}

var (
	_ ComputeTarget = (*DSVM)(nil)
	_ Reattacher    = (*DSVM)(nil)
	_ Detacher      = (*DSVM)(nil)
)

// DSVMOptions tune a DSVM target. The zero value gives the defaults.
type DSVMOptions struct {
	// Password and PrivateKeyPassphrase supply the secrets a stored target needs, since the
	// workspace never stores them: a password-authenticated target (or one with an encrypted
	// key) loaded by Get or List in a new process cannot connect until they are given here or
	// with SetPassword / SetPrivateKeyPassphrase. Secrets given this way are remembered for the
	// rest of the process (in memory only), so that compute.Get — and experiment's reattaching
	// to a run — find them too.
	Password             string
	PrivateKeyPassphrase string
	// CancelGracePeriod is the time between SIGTERM and SIGKILL when a run is canceled or
	// exceeds its maximum duration. Default DefaultCancelGracePeriod.
	CancelGracePeriod time.Duration
	// DisableRunContextShim leaves amlgo's azureml run-context shim off the script's PYTHONPATH.
	DisableRunContextShim bool
	// PollInterval is the suggested interval between observations of a running job.
	// Default 100 ms.
	PollInterval time.Duration
	// DockerHost is the VM's Docker engine socket for docker-enabled runs ("unix:///path" or a
	// path); default /var/run/docker.sock. amlgo reaches it over the SSH connection.
	DockerHost string
	// KeepContainers leaves each docker-enabled run's container (amlgo-<run id>) on the VM's
	// engine after the run, for debugging; by default it is removed once the outputs are collected.
	KeepContainers bool
	// RemoteDir is amlgo's directory on the VM: absolute, or relative to the login user's
	// home directory. Default ".azureml/amlgo".
	RemoteDir string
	// Logger receives structured debug logs; nil discards them.
	Logger *slog.Logger
}

// UploadStats counts what a DSVM sent to its VM to sync snapshots since the target value was
// created.
type UploadStats struct {
	// Files and Bytes are the snapshot files (blobs) sent and their total size.
	Files int64
	Bytes int64
	// Checked is the number of distinct blobs whose presence on the VM was checked.
	Checked int64
	// Duration is the time spent syncing: asking the VM what it lacks and sending it.
	Duration time.Duration
}

// UploadStats returns what the target has sent so far; a re-submit of an unchanged source
// directory adds nothing to Files and Bytes.
func (d *DSVM) UploadStats() UploadStats {
	return UploadStats{Files: d.stats.Files.Load(), Bytes: d.stats.Bytes.Load(), Checked: d.stats.Checked.Load(),
		Duration: time.Duration(d.stats.Nanos.Load())}
}

// Name returns the target's name.
func (d *DSVM) Name() string { return d.name }

// Type returns TypeVirtualMachine.
func (d *DSVM) Type() Type { return TypeVirtualMachine }

// Capabilities of a VM target, as azureml-core documents them.
func (d *DSVM) Capabilities() Capabilities {
	return Capabilities{GPU: true, HyperparameterTuning: true, ModelSelection: true, Pipelines: true}
}

// Address returns the VM's address and SSH port.
func (d *DSVM) Address() (string, int) { return d.cfg.Address, d.cfg.SSHPort }

// Host returns the result of the last host check (at attach, or by Status), nil when none.
func (d *DSVM) Host() *HostReport {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.host == nil {
		return nil
	}
	h := *d.host
	return &h
}

// Status connects to the VM (reusing the target's connection) and checks the host again: OS,
// interpreters, conda tools, docker, MPI and free disk, as Host then reports. A reachable Linux
// host is Succeeded; an unreachable one gives ProvisioningUnknown and the connection error.
//
// A VM of an Azure workspace reports the service's provisioning state instead.
func (d *DSVM) Status(ctx context.Context) (_ ProvisioningState, err error) {
	defer func() { err = errtext.Public(err) }()
	if d.azure != nil {
		return d.azure.statusARM(ctx, d.name)
	}
	rep, err := d.checkHost(ctx)
	if err != nil {
		return ProvisioningUnknown, err
	}
	if rep.OS != "Linux" {
		return ProvisioningFailed, fmt.Errorf("compute: VM target %q runs %q; only Linux VMs are supported", d.name, rep.OS)
	}
	return ProvisioningSucceeded, nil
}

// SetPassword gives a stored password-authenticated target its password (the workspace never
// stores it). The password is remembered in memory for the rest of the process.
func (d *DSVM) SetPassword(password string) {
	if d.remote != nil {
		d.remote.SetSecrets(password, "")
	}
	rememberSecrets(d.ws, d.name, password, "")
}

// SetPrivateKeyPassphrase gives a stored target the passphrase of its encrypted private key.
// It is remembered in memory for the rest of the process.
func (d *DSVM) SetPrivateKeyPassphrase(passphrase string) {
	if d.remote != nil {
		d.remote.SetSecrets("", passphrase)
	}
	rememberSecrets(d.ws, d.name, "", passphrase)
}

// Close closes the target's SSH connection (shared by the process's values of the same target,
// e.g. those compute.Get returns). Runs on the VM go on; a later operation dials again.
func (d *DSVM) Close() error {
	if d.remote == nil {
		return nil
	}
	return d.remote.Close()
}

// Detach removes the target from the workspace and closes its connection. Nothing on the VM
// is touched: runs still going on there go on, and the blob and environment caches stay. A VM
// of an Azure workspace is detached through the service.
func (d *DSVM) Detach(ctx context.Context) (err error) {
	defer func() { err = errtext.Public(err) }()
	if d.azure != nil {
		if err := d.azure.detachARM(ctx, d.name); err != nil {
			return err
		}
		_ = d.Close()
		return nil
	}
	st, err := wsaccess.Store(d.ws)
	if err != nil {
		return fmt.Errorf("compute: %w", err)
	}
	if err := st.DeleteCompute(ctx, d.name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: ComputeTargetNotFound: Compute Target with name %s not found in provided workspace", ErrNotFound, d.name)
		}
		return fmt.Errorf("compute: detaching %q: %w", d.name, err)
	}
	forgetSecrets(d.ws, d.name)
	remotehost.Forget(d.ws.Dir(), d.name)
	return nil
}

// AttachRemote attaches an existing Linux VM to a local workspace under name, as azureml-core's
// ComputeTarget.attach(ws, name, RemoteCompute.attach_configuration(...)): it validates cfg with
// azureml's messages, connects once (checking the host key), checks the host (see HostReport)
// and records the target in the workspace — without the password or key passphrase.
//
// Host-key failures wrap ErrHostUnknown or ErrHostKeyMismatch and name the key's SHA256
// fingerprint; rejected credentials wrap ErrAuth and name the methods tried.
func AttachRemote(ctx context.Context, ws *workspace.Workspace, name string, cfg *RemoteAttachConfig) (_ *DSVM, err error) {
	defer func() { err = errtext.Public(err) }()
	if ws == nil {
		return nil, errors.New("compute: nil workspace")
	}
	if cfg == nil {
		return nil, errors.New("compute: nil RemoteAttachConfig")
	}
	if err := checkTargetName(name); err != nil {
		return nil, err
	}
	c := *cfg
	if !ws.Local() {
		d := &DSVM{name: name, ws: ws, cfg: c}
		if err := attachRemoteARM(ctx, d); err != nil {
			return nil, err
		}
		return d, nil
	}
	return attachSSH(ctx, ws, name, c, TypeVirtualMachine)
}

// attachSSH validates c, connects once, checks the host and records the target of type typ in
// the local workspace ws (without its secrets); the returned DSVM drives the host.
func attachSSH(ctx context.Context, ws *workspace.Workspace, name string, c RemoteAttachConfig, typ Type) (*DSVM, error) {
	if err := validateRemoteAttach(&c); err != nil {
		return nil, err
	}
	st, err := wsaccess.Store(ws)
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	if _, err := st.Compute(ctx, name); err == nil {
		return nil, fmt.Errorf("compute: a compute target named %q is already attached to the workspace; detach it first", name)
	}
	d := newDSVM(ws, name, c, nil)
	rep, err := d.checkHost(ctx)
	if err != nil {
		_ = d.Close()
		return nil, err
	}
	if rep.OS != "Linux" {
		_ = d.Close()
		return nil, fmt.Errorf("compute: attaching %q: the host runs %q; only Linux hosts are supported", name, rep.OS)
	}
	conf, err := json.Marshal(newRemoteRecord(c, rep))
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	if err := st.PutCompute(ctx, store.Compute{Name: name, Type: string(typ), Config: conf, CreatedAt: time.Now().UTC()}); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("compute: recording target %q: %w", name, err)
	}
	rememberSecrets(ws, name, c.Password, c.PrivateKeyPassphrase)
	return d, nil
}

// GetDSVM returns the VM target name of a local workspace with options, e.g. the password of
// a password-authenticated target. opts may be nil.
func GetDSVM(ctx context.Context, ws *workspace.Workspace, name string, opts *DSVMOptions) (_ *DSVM, err error) {
	defer func() { err = errtext.Public(err) }()
	if ws == nil {
		return nil, errors.New("compute: nil workspace")
	}
	rec, err := storedCompute(ctx, ws, name)
	if err != nil {
		return nil, err
	}
	if rec.Type != string(TypeVirtualMachine) {
		return nil, fmt.Errorf("compute: compute target %q has type %s, not %s", name, rec.Type, TypeVirtualMachine)
	}
	return loadDSVM(ws, rec, opts)
}

// loadDSVM rebuilds a DSVM from its stored record.
func loadDSVM(ws *workspace.Workspace, rec store.Compute, opts *DSVMOptions) (*DSVM, error) {
	var r remoteRecord
	if err := json.Unmarshal(rec.Config, &r); err != nil {
		return nil, fmt.Errorf("compute: reading stored target %q: %w", rec.Name, err)
	}
	cfg := r.attachConfig()
	var o DSVMOptions
	if opts != nil {
		o = *opts
	}
	if o.Password != "" || o.PrivateKeyPassphrase != "" {
		rememberSecrets(ws, rec.Name, o.Password, o.PrivateKeyPassphrase)
	}
	pw, pp := recalledSecrets(ws, rec.Name)
	if r.AuthMethod == authPassword {
		cfg.Password = pw
	}
	if r.AuthMethod == authPrivateKey {
		cfg.PrivateKeyPassphrase = pp
	}
	d := newDSVM(ws, rec.Name, cfg, &o)
	d.host = r.Host
	return d, nil
}

func newDSVM(ws *workspace.Workspace, name string, cfg RemoteAttachConfig, opts *DSVMOptions) *DSVM {
	var o DSVMOptions
	if opts != nil {
		o = *opts
	}
	o.Password, o.PrivateKeyPassphrase = "", ""
	if o.CancelGracePeriod <= 0 {
		o.CancelGracePeriod = DefaultCancelGracePeriod
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultRemotePollInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	d := &DSVM{name: name, ws: ws, cfg: cfg, opts: o}
	wsDir := ""
	if ws != nil {
		wsDir = ws.Dir()
	}
	d.remote = remotehost.Shared(wsDir, name, remotehost.Config(cfg), o.RemoteDir, o.Logger)
	return d
}

// checkTargetName rejects empty and reserved names.
func checkTargetName(name string) error {
	if name == "" {
		return errors.New("compute: empty compute target name")
	}
	if IsReservedName(name) {
		return fmt.Errorf("%w: Please specify a different target name. %s is a reserved name.", ErrReservedName, name)
	}
	return nil
}
