package sshx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/pkg/sftp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/amlgo/amlgo/internal/sshx"
)

func TestConfigValidation(t *testing.T) {
	ok := sshx.Config{Host: "h", User: "u", Password: "p"}
	cases := []struct {
		name string
		mod  func(*sshx.Config)
		want string
	}{
		{"no host", func(c *sshx.Config) { c.Host = "" }, "Host is empty"},
		{"no user", func(c *sshx.Config) { c.User = "" }, "User is empty"},
		{"bad port", func(c *sshx.Config) { c.Port = 70000 }, "Port 70000"},
		{"no auth", func(c *sshx.Config) { c.Password = "" }, "no authentication method"},
		{"two auths", func(c *sshx.Config) { c.PrivateKeyFile = "k" }, "Password, PrivateKeyFile are all set"},
		{"three auths", func(c *sshx.Config) { c.PrivateKeyFile = "k"; c.UseAgent = true }, "Password, PrivateKeyFile, UseAgent"},
		{"passphrase without key", func(c *sshx.Config) { c.Passphrase = "x" }, "Passphrase is set without PrivateKeyFile"},
		{"insecure and pinned", func(c *sshx.Config) { c.HostKeys = sshx.HostKeyPolicy{Insecure: true, Pinned: "x"} }, "Insecure cannot be combined"},
		{"pinned and file", func(c *sshx.Config) { c.HostKeys = sshx.HostKeyPolicy{KnownHostsFile: "f", Pinned: "x"} }, "both set"},
		{"bad pinned", func(c *sshx.Config) { c.HostKeys = sshx.HostKeyPolicy{Pinned: "not a key"} }, "not an authorized_keys line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.mod(&cfg)
			_, err := sshx.Dial(context.Background(), cfg)
			require.ErrorIs(t, err, sshx.ErrInvalidConfig)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "sshx: invalid config: ")
		})
	}

	t.Run("missing key file", func(t *testing.T) {
		cfg := ok
		cfg.Password = ""
		cfg.PrivateKeyFile = "/nonexistent/id_ed25519"
		_, err := sshx.Dial(context.Background(), cfg)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/nonexistent/id_ed25519")
	})
}

func TestConfigStringHasNoSecrets(t *testing.T) {
	cfg := sshx.Config{Host: "10.0.0.4", Port: 2222, User: "azureuser", Password: "Pa55-word!"}
	s := cfg.String()
	assert.Equal(t, "ssh://azureuser@10.0.0.4:2222 (auth=password, hostkeys=known_hosts:~/.ssh/known_hosts)", s)
	assert.NotContains(t, fmt.Sprintf("%v %+v %s", cfg, cfg, cfg), "Pa55-word!")

	cfg = sshx.Config{Host: "::1", User: "u", PrivateKeyFile: "/k", Passphrase: "phrase-secret",
		HostKeys: sshx.HostKeyPolicy{Insecure: true}}
	s = cfg.String()
	assert.Equal(t, "ssh://u@[::1]:22 (auth=publickey:/k (encrypted), hostkeys=insecure)", s)
	assert.NotContains(t, s, "phrase-secret")
}

func TestIsConnLost(t *testing.T) {
	yes := []error{
		sshx.ErrConnLost, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, syscall.ECONNRESET, syscall.EPIPE,
		&net.OpError{Op: "read", Err: syscall.ECONNRESET}, &ssh.ExitMissingError{},
		sftp.ErrSSHFxConnectionLost, fmt.Errorf("wrapped: %w", io.EOF), errors.New("ssh: session closed"),
	}
	no := []error{
		nil, context.Canceled, context.DeadlineExceeded, sshx.ErrAuth, sshx.ErrHostUnknown,
		sshx.ErrHostKeyMismatch, sshx.ErrClosed, &sshx.ExitError{Code: 1}, errors.New("permission denied"),
		fmt.Errorf("dial: %w", context.DeadlineExceeded), fmt.Errorf("%w: wrapped EOF: %w", sshx.ErrAuth, io.EOF),
	}
	for _, err := range yes {
		assert.True(t, sshx.IsConnLost(err), "%v", err)
	}
	for _, err := range no {
		assert.False(t, sshx.IsConnLost(err), "%v", err)
	}
}

func TestExitErrorText(t *testing.T) {
	assert.Equal(t, "sshx: remote command exited with status 2", (&sshx.ExitError{Code: 2}).Error())
	assert.Equal(t, "sshx: remote command exited with status 137 (signal KILL): oops",
		(&sshx.ExitError{Code: 137, Signal: "KILL", Stderr: "oops"}).Error())
}
