package remotehost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/sftp"

	"github.com/amlgo/amlgo/internal/sshx"
)

// shQuote quotes s as one POSIX shell word.
func shQuote(s string) string { return sshx.Quote(s) }

// Host is a VM target's SSH side: one connection (re-dialed with backoff when it drops)
// and what amlgo knows about the host's amlgo directory.
type Host struct {
	name string
	dir  string // amlgo's directory: absolute, or relative to the home directory
	log  *slog.Logger

	mu     sync.Mutex
	cfg    Config
	client *sshx.Client
	// keySource fetches the credentials of a VM of an Azure workspace from the service when the
	// process was given none (nil for other targets); privateKey and fetched hold what it
	// returned, in memory only.
	keySource  func(ctx context.Context) (Credentials, error)
	privateKey []byte
	fetched    bool
	home       string          // the login user's home directory on the VM
	have       map[string]bool // versions of the shim and driver known to be installed
}

func newHost(name string, cfg Config, dir string, log *slog.Logger) *Host {
	if dir == "" {
		dir = ".azureml/amlgo"
	}
	return &Host{name: name, cfg: cfg, dir: dir, log: log, have: map[string]bool{}}
}

// The process's VM connections, shared by every DSVM value of the same workspace target (Get
// returns a new value each time): one connection per target.
var (
	hostsMu sync.Mutex
	hosts   = map[string]*Host{}
)

func hostKey(wsDir, name, dir string, cfg Config) string {
	return strings.Join([]string{wsDir, name, dir, cfg.Address, strconv.Itoa(cfg.SSHPort), cfg.Username,
		cfg.PrivateKeyFile, strconv.FormatBool(cfg.UseAgent), cfg.KnownHostsFile, cfg.HostKey,
		strconv.FormatBool(cfg.InsecureIgnoreHostKey)}, "\x00")
}

// Shared returns the process's connection to the target, creating it the first time.
// The first value's logger is kept.
func Shared(wsDir, name string, cfg Config, dir string, log *slog.Logger) *Host {
	key := hostKey(wsDir, name, dir, cfg)
	hostsMu.Lock()
	defer hostsMu.Unlock()
	if h := hosts[key]; h != nil {
		h.SetSecrets(cfg.Password, cfg.PrivateKeyPassphrase)
		return h
	}
	h := newHost(name, cfg, dir, log)
	hosts[key] = h
	return h
}

// Forget closes and forgets the process's connections to a detached target.
func Forget(wsDir, name string) {
	prefix := wsDir + "\x00" + name + "\x00"
	hostsMu.Lock()
	defer hostsMu.Unlock()
	for k, h := range hosts {
		if strings.HasPrefix(k, prefix) {
			_ = h.Close()
			delete(hosts, k)
		}
	}
}

// SetSecrets sets the secrets given (non-empty ones); a change makes the next operation dial
// again with them.
func (h *Host) SetSecrets(password, passphrase string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	changed := false
	if password != "" && h.fetched {
		// A password given in the process replaces what the service returned.
		h.forgetFetched()
		changed = true
	}
	if password != "" && password != h.cfg.Password {
		h.cfg.Password, changed = password, true
	}
	if passphrase != "" && passphrase != h.cfg.PrivateKeyPassphrase {
		h.cfg.PrivateKeyPassphrase, changed = passphrase, true
	}
	if changed && h.client != nil {
		_ = h.client.Close()
		h.client = nil
	}
}

// SetKeySource sets where the credentials come from when the process has none.
func (h *Host) SetKeySource(f func(ctx context.Context) (Credentials, error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keySource = f
}

// hasCredentials reports whether the connection has a way to authenticate. Called with h.mu
// held.
func (h *Host) hasCredentials() bool {
	return h.cfg.Password != "" || h.cfg.PrivateKeyFile != "" || h.cfg.UseAgent || len(h.privateKey) > 0
}

// fetchCredentials asks the key source for the VM's credentials and keeps them in memory.
// Called with h.mu held.
func (h *Host) fetchCredentials(ctx context.Context) error {
	creds, err := h.keySource(ctx)
	if err != nil {
		return err
	}
	if creds.Username != "" {
		h.cfg.Username = creds.Username
	}
	h.cfg.Password, h.privateKey, h.cfg.PrivateKeyPassphrase = creds.Password, creds.PrivateKey, creds.Passphrase
	h.fetched = true
	return nil
}

// forgetFetched drops credentials fetched from the service (e.g. after they were rejected), so
// that the next dial fetches them again. Called with h.mu held.
func (h *Host) forgetFetched() {
	if !h.fetched {
		return
	}
	h.cfg.Password, h.privateKey, h.cfg.PrivateKeyPassphrase = "", nil, ""
	h.fetched = false
}

// SetHome records the login user's home directory on the VM (as a host check found it).
func (h *Host) SetHome(home string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.home = home
}

// sshConfig is the target's connection configuration.
func (h *Host) sshConfig() sshx.Config {
	c := h.cfg
	return sshx.Config{
		Host: c.Address, Port: c.SSHPort, User: c.Username,
		Password: c.Password, PrivateKeyFile: c.PrivateKeyFile, PrivateKey: h.privateKey, Passphrase: c.PrivateKeyPassphrase,
		UseAgent: c.UseAgent,
		HostKeys: sshx.HostKeyPolicy{KnownHostsFile: c.KnownHostsFile, Pinned: c.HostKey, Insecure: c.InsecureIgnoreHostKey},
		Logger:   h.log,
	}
}

// conn returns the target's client, dialing the first time.
func (h *Host) conn(ctx context.Context) (*sshx.Client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.client != nil {
		return h.client, nil
	}
	if !h.hasCredentials() {
		if h.keySource == nil {
			return nil, fmt.Errorf("compute: VM target %q authenticates with a password, which the workspace does not store: call SetPassword (or GetDSVM with DSVMOptions.Password) first", h.name)
		}
		if err := h.fetchCredentials(ctx); err != nil {
			return nil, err
		}
	}
	c, err := sshx.Dial(ctx, h.sshConfig())
	if err != nil {
		if errors.Is(err, sshx.ErrAuth) {
			h.forgetFetched() // perhaps rotated: fetch them again next time
		}
		return nil, fmt.Errorf("compute: connecting to VM target %q: %w", h.name, err)
	}
	h.client = c
	return c, nil
}

// Close closes the connection; the next operation dials again.
func (h *Host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.client == nil {
		return nil
	}
	err := h.client.Close()
	h.client = nil
	return err
}

// Run runs a remote command once (not retried: it may not be idempotent).
func (h *Host) Run(ctx context.Context, cmd string, stdin io.Reader, stdout io.Writer) error {
	c, err := h.conn(ctx)
	if err != nil {
		return err
	}
	if err := c.Run(ctx, cmd, stdin, stdout, nil); err != nil {
		return fmt.Errorf("compute: on VM target %q: %w", h.name, err)
	}
	return nil
}

// Output runs an idempotent remote command with stdin as its input and returns its output,
// retrying across dropped connections.
func (h *Host) Output(ctx context.Context, cmd string, stdin []byte) ([]byte, error) {
	var out bytes.Buffer
	err := h.Retry(ctx, func(c *sshx.Client) error {
		out.Reset()
		var in io.Reader
		if stdin != nil {
			in = bytes.NewReader(stdin)
		}
		return c.Run(ctx, cmd, in, &out, nil)
	})
	return out.Bytes(), err
}

// Retry calls fn with the client, again after each lost connection (re-dialed with backoff)
// until it succeeds, fails otherwise, or ctx ends. fn must be idempotent.
func (h *Host) Retry(ctx context.Context, fn func(c *sshx.Client) error) error {
	c, err := h.conn(ctx)
	if err != nil {
		return err
	}
	if err := c.Retry(ctx, func() error { return fn(c) }); err != nil {
		return fmt.Errorf("compute: on VM target %q: %w", h.name, err)
	}
	return nil
}

// SFTP returns the SFTP client of the current connection (rundir.SFTPConn).
func (h *Host) SFTP(ctx context.Context) (*sftp.Client, error) {
	c, err := h.conn(ctx)
	if err != nil {
		return nil, err
	}
	return c.SFTP(ctx)
}

// Root is amlgo's directory on the VM (default ~/.azureml/amlgo).
func (h *Host) Root(ctx context.Context) (string, error) {
	h.mu.Lock()
	home := h.home
	h.mu.Unlock()
	if home == "" {
		var out []byte
		err := h.Retry(ctx, func(c *sshx.Client) error {
			var err error
			out, err = c.Output(ctx, `printf %s "$HOME"`)
			return err
		})
		if err != nil {
			return "", err
		}
		home = string(out)
		if home == "" || home[0] != '/' {
			return "", fmt.Errorf("compute: VM target %q: the login user has no home directory ($HOME=%q)", h.name, home)
		}
		h.SetHome(home)
	}
	if path.IsAbs(h.dir) {
		return path.Clean(h.dir), nil
	}
	return path.Join(home, h.dir), nil
}

// Known reports whether key (e.g. a driver version) was marked installed on the VM.
func (h *Host) Known(key string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.have[key]
}

// SetKnown marks key as installed on the VM, for the rest of the process.
func (h *Host) SetKnown(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.have[key] = true
}
