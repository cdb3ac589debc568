package sshx

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults applied by Dial to zero Config fields.
const (
	DefaultPort             = 22
	DefaultDialTimeout      = 15 * time.Second
	DefaultKeepAlive        = 15 * time.Second
	DefaultReconnectTimeout = 2 * time.Minute
)

// HostKeyPolicy says how the server's host key is verified. The zero value
// checks ~/.ssh/known_hosts. Set at most one of Pinned and Insecure; neither
// may be combined with KnownHostsFile.
type HostKeyPolicy struct {
	// KnownHostsFile is the OpenSSH known_hosts file to check the key against.
	// Default ~/.ssh/known_hosts when Pinned is empty and Insecure is false.
	// A missing file means every host is unknown.
	KnownHostsFile string
	// Pinned is an authorized_keys-format public key line ("ssh-ed25519 AAAA… comment")
	// to trust instead of a known_hosts file; the presented key must be byte-identical.
	Pinned string
	// Insecure accepts any host key (ssh.InsecureIgnoreHostKey). A warning is
	// logged through Config.Logger on every dial. Only for throwaway hosts.
	Insecure bool
}

// Config describes how to reach and authenticate to one SSH server. Exactly
// one authentication method must be set: Password, PrivateKeyFile or
// PrivateKey (with Passphrase when the key is encrypted) or UseAgent.
type Config struct {
	// Host is the server's host name or IP address (required).
	Host string
	// Port is the TCP port; 0 means 22.
	Port int
	// User is the remote user name (required).
	User string

	// Password enables password (and keyboard-interactive) authentication.
	Password string
	// PrivateKeyFile is a private key file for publickey authentication; a
	// leading "~/" is expanded to the home directory.
	PrivateKeyFile string
	// PrivateKey is a PEM (or OpenSSH-format) private key held in memory, for
	// publickey authentication without a key file. It is never logged.
	PrivateKey []byte
	// Passphrase decrypts an encrypted PrivateKeyFile or PrivateKey.
	Passphrase string
	// UseAgent authenticates with the keys of the ssh-agent at $SSH_AUTH_SOCK.
	UseAgent bool

	// HostKeys says how the server's host key is verified.
	HostKeys HostKeyPolicy

	// DialTimeout bounds the TCP connect plus SSH handshake; 0 means 15s. The
	// ctx passed to Dial (or to the operation that re-dials) bounds it too.
	DialTimeout time.Duration
	// KeepAlive is the interval of keepalive@openssh.com requests; 0 means 15s,
	// negative disables them. A connection that leaves three consecutive
	// intervals without answering one request is declared dead and closed.
	KeepAlive time.Duration
	// ReconnectTimeout bounds the backoff loop that re-dials a dropped
	// connection when the operation's ctx has no earlier deadline; 0 means 2m.
	ReconnectTimeout time.Duration
	// Logger receives diagnostics (dials, reconnects, insecure host-key
	// warnings). nil discards them.
	Logger *slog.Logger
}

// String describes c for logs: user, address, auth method and host-key policy.
// It never includes Password, PrivateKey or Passphrase.
func (c Config) String() string {
	var auth []string
	if c.Password != "" {
		auth = append(auth, "password")
	}
	if c.PrivateKeyFile != "" {
		k := "publickey:" + c.PrivateKeyFile
		if c.Passphrase != "" {
			k += " (encrypted)"
		}
		auth = append(auth, k)
	}
	if len(c.PrivateKey) > 0 {
		k := "publickey:(in memory)"
		if c.Passphrase != "" {
			k += " (encrypted)"
		}
		auth = append(auth, k)
	}
	if c.UseAgent {
		auth = append(auth, "agent")
	}
	if len(auth) == 0 {
		auth = append(auth, "none")
	}
	var hk string
	switch {
	case c.HostKeys.Insecure:
		hk = "insecure"
	case c.HostKeys.Pinned != "":
		hk = "pinned"
		if k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.HostKeys.Pinned)); err == nil {
			hk += ":" + ssh.FingerprintSHA256(k)
		}
	case c.HostKeys.KnownHostsFile != "":
		hk = "known_hosts:" + c.HostKeys.KnownHostsFile
	default:
		hk = "known_hosts:~/.ssh/known_hosts"
	}
	port := c.Port
	if port == 0 {
		port = DefaultPort
	}
	return fmt.Sprintf("ssh://%s@%s (auth=%s, hostkeys=%s)", c.User,
		net.JoinHostPort(c.Host, strconv.Itoa(port)), strings.Join(auth, "+"), hk)
}

// addr returns host:port.
func (c Config) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// withDefaults returns a copy of c with zero fields defaulted.
func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.ReconnectTimeout <= 0 {
		c.ReconnectTimeout = DefaultReconnectTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate reports the first problem with c (after defaults).
func (c Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if c.Host == "" {
		return bad("Host is empty")
	}
	if c.Port < 1 || c.Port > 65535 {
		return bad("Port %d out of range 1-65535", c.Port)
	}
	if c.User == "" {
		return bad("User is empty")
	}
	var methods []string
	if c.Password != "" {
		methods = append(methods, "Password")
	}
	if c.PrivateKeyFile != "" {
		methods = append(methods, "PrivateKeyFile")
	}
	if len(c.PrivateKey) > 0 {
		methods = append(methods, "PrivateKey")
	}
	if c.UseAgent {
		methods = append(methods, "UseAgent")
	}
	switch len(methods) {
	case 0:
		return bad("no authentication method: set exactly one of Password, PrivateKeyFile, PrivateKey or UseAgent")
	case 1:
	default:
		return bad("%s are all set: set exactly one authentication method", strings.Join(methods, ", "))
	}
	if c.Passphrase != "" && c.PrivateKeyFile == "" && len(c.PrivateKey) == 0 {
		return bad("Passphrase is set without PrivateKeyFile or PrivateKey")
	}
	hk := c.HostKeys
	if hk.Insecure && (hk.Pinned != "" || hk.KnownHostsFile != "") {
		return bad("HostKeys.Insecure cannot be combined with Pinned or KnownHostsFile")
	}
	if hk.Pinned != "" && hk.KnownHostsFile != "" {
		return bad("HostKeys.Pinned and HostKeys.KnownHostsFile are both set")
	}
	if hk.Pinned != "" {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hk.Pinned)); err != nil {
			return bad("HostKeys.Pinned is not an authorized_keys line: %v", err)
		}
	}
	return nil
}

// expandHome expands a leading "~" or "~/" to the current user's home directory.
func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("sshx: expand %q: %w", p, err)
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}
