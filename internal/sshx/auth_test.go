package sshx_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
)

func TestAuthMethods(t *testing.T) {
	srv := sshtest.Start(t)
	ctx := testCtx(t, 30*time.Second)
	whoami := func(t *testing.T, cfg sshx.Config) {
		t.Helper()
		c := dial(t, cfg)
		out, err := c.Output(ctx, "whoami")
		require.NoError(t, err)
		assert.Equal(t, sshtest.User+"\n", string(out))
	}

	t.Run("key", func(t *testing.T) { whoami(t, srv.Config()) })

	t.Run("password", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile = ""
		cfg.Password = srv.Password
		whoami(t, cfg)
	})

	t.Run("encrypted key with passphrase", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile = srv.EncryptedKeyFile
		cfg.Passphrase = srv.KeyPassphrase
		whoami(t, cfg)
	})

	t.Run("encrypted key without passphrase", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile = srv.EncryptedKeyFile
		_, err := sshx.Dial(ctx, cfg)
		require.Error(t, err)
		var missing *ssh.PassphraseMissingError
		assert.True(t, errors.As(err, &missing), "%v", err)
		assert.Contains(t, err.Error(), "Passphrase")
		assert.Contains(t, err.Error(), srv.EncryptedKeyFile)
	})

	t.Run("encrypted key wrong passphrase", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile = srv.EncryptedKeyFile
		cfg.Passphrase = "not it"
		_, err := sshx.Dial(ctx, cfg)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "passphrase")
		assert.NotContains(t, err.Error(), "not it")
	})

	t.Run("tilde expansion", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("HOME", home)
		key, err := os.ReadFile(srv.KeyFile)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "id_test"), key, 0o600))
		cfg := srv.Config()
		cfg.PrivateKeyFile = "~/.ssh/id_test"
		whoami(t, cfg)
	})

	t.Run("agent", func(t *testing.T) {
		keyring := agent.NewKeyring()
		pemBytes, err := os.ReadFile(srv.KeyFile)
		require.NoError(t, err)
		raw, err := ssh.ParseRawPrivateKey(pemBytes)
		require.NoError(t, err)
		require.NoError(t, keyring.Add(agent.AddedKey{PrivateKey: raw}))
		sock := filepath.Join(t.TempDir(), "agent.sock")
		l, err := net.Listen("unix", sock)
		require.NoError(t, err)
		t.Cleanup(func() { _ = l.Close() })
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				go func() { _ = agent.ServeAgent(keyring, conn); _ = conn.Close() }()
			}
		}()
		t.Setenv("SSH_AUTH_SOCK", sock)
		cfg := srv.Config()
		cfg.PrivateKeyFile = ""
		cfg.UseAgent = true
		whoami(t, cfg)

		// An agent without the right key is an ErrAuth naming the agent.
		require.NoError(t, keyring.RemoveAll())
		_, err = sshx.Dial(ctx, cfg)
		require.ErrorIs(t, err, sshx.ErrAuth)
		assert.Contains(t, err.Error(), "agent")
	})

	t.Run("agent without SSH_AUTH_SOCK", func(t *testing.T) {
		t.Setenv("SSH_AUTH_SOCK", "")
		cfg := srv.Config()
		cfg.PrivateKeyFile = ""
		cfg.UseAgent = true
		_, err := sshx.Dial(ctx, cfg)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "SSH_AUTH_SOCK")
	})

	t.Run("wrong password", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile = ""
		cfg.Password = "Wr0ng-Secret-Value"
		_, err := sshx.Dial(ctx, cfg)
		require.ErrorIs(t, err, sshx.ErrAuth)
		assert.Contains(t, err.Error(), "password")
		assert.Contains(t, err.Error(), srv.Addr())
		assert.NotContains(t, err.Error(), "Wr0ng-Secret-Value")
		assert.False(t, sshx.IsConnLost(err))
	})

	t.Run("unauthorized key", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile = filepath.Join(srv.Dir, "host_ed25519") // a valid key, not authorized
		_, err := sshx.Dial(ctx, cfg)
		require.ErrorIs(t, err, sshx.ErrAuth)
		assert.Contains(t, err.Error(), "publickey")
	})
}

func TestInMemoryPrivateKey(t *testing.T) {
	srv := sshtest.Start(t)
	ctx := testCtx(t, 30*time.Second)
	key, err := os.ReadFile(srv.KeyFile)
	require.NoError(t, err)
	encrypted, err := os.ReadFile(srv.EncryptedKeyFile)
	require.NoError(t, err)

	t.Run("plain", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile, cfg.PrivateKey = "", key
		out, err := dial(t, cfg).Output(ctx, "whoami")
		require.NoError(t, err)
		assert.Equal(t, sshtest.User+"\n", string(out))
		assert.Contains(t, cfg.String(), "auth=publickey:(in memory)")
		assert.NotContains(t, cfg.String(), string(key[40:80]))
	})

	t.Run("encrypted", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile, cfg.PrivateKey, cfg.Passphrase = "", encrypted, srv.KeyPassphrase
		out, err := dial(t, cfg).Output(ctx, "whoami")
		require.NoError(t, err)
		assert.Equal(t, sshtest.User+"\n", string(out))
	})

	t.Run("encrypted without passphrase", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKeyFile, cfg.PrivateKey = "", encrypted
		_, err := sshx.Dial(ctx, cfg)
		var missing *ssh.PassphraseMissingError
		require.ErrorAs(t, err, &missing)
		assert.Contains(t, err.Error(), "(in memory)")
	})

	t.Run("with key file too", func(t *testing.T) {
		cfg := srv.Config()
		cfg.PrivateKey = key
		_, err := sshx.Dial(ctx, cfg)
		require.ErrorIs(t, err, sshx.ErrInvalidConfig)
		assert.Contains(t, err.Error(), "PrivateKeyFile, PrivateKey are all set")
	})
}
