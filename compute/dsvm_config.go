package compute

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/workspace"
)

// Authentication methods, as stored.
const (
	authPassword   = "password"
	authPrivateKey = "privateKey"
	authAgent      = "agent"
)

// ErrInvalidAttachConfig wraps the validation errors of a RemoteAttachConfig (azureml-core's
// messages).
var ErrInvalidAttachConfig = errors.New("compute: invalid attach configuration")

// validateRemoteAttach checks cfg as azureml-core's RemoteCompute._build_attach_payload does (its
// messages), plus the SSH-agent method, and normalizes it: default port, absolute key path.
func validateRemoteAttach(c *RemoteAttachConfig) error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidAttachConfig, msg) }
	switch {
	case c.Address == "" && c.ResourceID == "":
		return bad("Error, missing address/resource_id.")
	case c.Address != "" && c.ResourceID != "":
		return bad("Error, only one of address/resource_id can be used.")
	case c.ResourceID != "":
		return fmt.Errorf("%w: attaching a VM by ResourceID needs an Azure workspace; give its Address on a local workspace", ErrUnsupported)
	}
	if c.SSHPort == 0 {
		c.SSHPort = 22
	}
	if c.SSHPort < 0 || c.SSHPort > 65535 {
		return bad("Error, missing ssh-port.")
	}
	if c.Username == "" {
		// Sic: azureml-core's message lacks the space ("either a" 'password').
		return bad("Error, no username provided. Please provide a username and either apassword or key information.")
	}
	n := 0
	for _, set := range []bool{c.Password != "", c.PrivateKeyFile != "", c.UseAgent} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return bad("Error, no password or key information provided. Please provide either a password or key information.")
	case n > 1:
		return bad("Invalid attach information, both password and key information provided. Please provide either a password or key information")
	}
	if c.PrivateKeyPassphrase != "" && c.PrivateKeyFile == "" {
		return bad("PrivateKeyPassphrase is set without PrivateKeyFile.")
	}
	if c.PrivateKeyFile != "" {
		p, err := absUserPath(c.PrivateKeyFile)
		if err == nil {
			_, err = os.Stat(p)
		}
		if err != nil {
			return bad("Error while reading key information:\n" + err.Error())
		}
		c.PrivateKeyFile = p
	}
	if c.KnownHostsFile != "" {
		p, err := absUserPath(c.KnownHostsFile)
		if err != nil {
			return bad(err.Error())
		}
		c.KnownHostsFile = p
	}
	hostKeyModes := 0
	for _, set := range []bool{c.KnownHostsFile != "", c.HostKey != "", c.InsecureIgnoreHostKey} {
		if set {
			hostKeyModes++
		}
	}
	if hostKeyModes > 1 {
		return bad("set at most one of KnownHostsFile, HostKey and InsecureIgnoreHostKey.")
	}
	return nil
}

// absUserPath expands a leading ~/ and makes p absolute.
func absUserPath(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		p = filepath.Join(home, strings.TrimPrefix(p[1:], "/"))
	}
	return filepath.Abs(p)
}

// remoteRecord is the stored (non-secret) form of an attached VM: the workspace's computes
// table holds it as the target's config JSON.
type remoteRecord struct {
	Address               string      `json:"address"`
	SSHPort               int         `json:"sshPort"`
	Username              string      `json:"username"`
	AuthMethod            string      `json:"authMethod"`
	PrivateKeyFile        string      `json:"privateKeyFile,omitempty"`
	PrivateKeyEncrypted   bool        `json:"privateKeyEncrypted,omitempty"`
	KnownHostsFile        string      `json:"knownHostsFile,omitempty"`
	HostKey               string      `json:"hostKey,omitempty"`
	InsecureIgnoreHostKey bool        `json:"insecureIgnoreHostKey,omitempty"`
	IsAttachedCompute     bool        `json:"isAttachedCompute"`
	AttachedAt            time.Time   `json:"attachedAt"`
	Host                  *HostReport `json:"host,omitempty"`
}

func newRemoteRecord(c RemoteAttachConfig, host *HostReport) remoteRecord {
	r := remoteRecord{
		Address: c.Address, SSHPort: c.SSHPort, Username: c.Username,
		PrivateKeyFile: c.PrivateKeyFile, PrivateKeyEncrypted: c.PrivateKeyPassphrase != "",
		KnownHostsFile: c.KnownHostsFile, HostKey: c.HostKey, InsecureIgnoreHostKey: c.InsecureIgnoreHostKey,
		IsAttachedCompute: true, AttachedAt: time.Now().UTC(), Host: host,
	}
	switch {
	case c.Password != "":
		r.AuthMethod = authPassword
	case c.PrivateKeyFile != "":
		r.AuthMethod = authPrivateKey
	default:
		r.AuthMethod = authAgent
	}
	return r
}

func (r remoteRecord) attachConfig() RemoteAttachConfig {
	return RemoteAttachConfig{
		Address: r.Address, SSHPort: r.SSHPort, Username: r.Username,
		PrivateKeyFile: r.PrivateKeyFile, UseAgent: r.AuthMethod == authAgent,
		KnownHostsFile: r.KnownHostsFile, HostKey: r.HostKey, InsecureIgnoreHostKey: r.InsecureIgnoreHostKey,
	}
}

// The process's memory of target secrets: the workspace never stores them, so a target loaded
// by Get finds the password given to AttachRemote, SetPassword or GetDSVM earlier in the same
// process here.
var (
	secretsMu sync.Mutex
	secrets   = map[string][2]string{}
)

func secretKey(ws *workspace.Workspace, name string) string { return ws.Dir() + "\x00" + name }

func rememberSecrets(ws *workspace.Workspace, name, password, passphrase string) {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	s := secrets[secretKey(ws, name)]
	if password != "" {
		s[0] = password
	}
	if passphrase != "" {
		s[1] = passphrase
	}
	secrets[secretKey(ws, name)] = s
}

func recalledSecrets(ws *workspace.Workspace, name string) (password, passphrase string) {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	s := secrets[secretKey(ws, name)]
	return s[0], s[1]
}

func forgetSecrets(ws *workspace.Workspace, name string) {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	delete(secrets, secretKey(ws, name))
}

// Connection errors of VM targets, for errors.Is. Host-key errors name the presented key's
// SHA256 fingerprint; authentication errors name the methods tried, never a secret.
var (
	// ErrHostUnknown means the VM's host key is not in the known_hosts file.
	ErrHostUnknown = sshx.ErrHostUnknown
	// ErrHostKeyMismatch means the VM presented another key than the known or pinned one.
	ErrHostKeyMismatch = sshx.ErrHostKeyMismatch
	// ErrAuth means the VM rejected the credentials.
	ErrAuth = sshx.ErrAuth
)
