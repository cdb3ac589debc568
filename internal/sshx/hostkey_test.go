package sshx_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
)

func newEd25519PublicKey(t *testing.T) ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return k
}

func newRSAPublicKey(t *testing.T) ssh.PublicKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	return k
}

func TestHostKeys(t *testing.T) {
	srv := sshtest.Start(t)
	ctx := testCtx(t, 30*time.Second)
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(srv.HostPublicKey))
	require.NoError(t, err)
	fingerprint := ssh.FingerprintSHA256(hostKey)
	hostPattern := knownhosts.Normalize(srv.Addr())

	writeKnownHosts := func(t *testing.T, lines ...string) string {
		p := filepath.Join(t.TempDir(), "known_hosts")
		require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
		return p
	}
	withKnownHosts := func(path string) sshx.Config {
		cfg := srv.Config()
		cfg.HostKeys = sshx.HostKeyPolicy{KnownHostsFile: path}
		return cfg
	}

	t.Run("unknown host", func(t *testing.T) {
		other := knownhosts.Line([]string{"[127.0.0.1]:1"}, newEd25519PublicKey(t))
		_, err := sshx.Dial(ctx, withKnownHosts(writeKnownHosts(t, other)))
		require.ErrorIs(t, err, sshx.ErrHostUnknown)
		assert.NotErrorIs(t, err, sshx.ErrHostKeyMismatch)
		assert.Contains(t, err.Error(), fingerprint)
		assert.Contains(t, err.Error(), srv.Addr())
		assert.True(t, strings.HasPrefix(err.Error(), "sshx: "), err.Error())
		var hke *sshx.HostKeyError
		require.True(t, errors.As(err, &hke))
		assert.Equal(t, hostKey.Marshal(), hke.Key.Marshal())
		assert.Equal(t, fingerprint, hke.Fingerprint)
	})

	t.Run("missing known_hosts file", func(t *testing.T) {
		_, err := sshx.Dial(ctx, withKnownHosts(filepath.Join(t.TempDir(), "nope")))
		require.ErrorIs(t, err, sshx.ErrHostUnknown)
		assert.Contains(t, err.Error(), fingerprint)
	})

	t.Run("default known_hosts is ~/.ssh/known_hosts", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("HOME", home)
		require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
		data, err := os.ReadFile(srv.KnownHostsFile)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), data, 0o600))
		dial(t, withKnownHosts(""))
	})

	t.Run("changed host key", func(t *testing.T) {
		stale := knownhosts.Line([]string{hostPattern}, newEd25519PublicKey(t))
		_, err := sshx.Dial(ctx, withKnownHosts(writeKnownHosts(t, stale)))
		require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
		assert.NotErrorIs(t, err, sshx.ErrHostUnknown)
		assert.Contains(t, err.Error(), fingerprint)
		assert.Contains(t, err.Error(), srv.Addr())
		assert.False(t, sshx.IsConnLost(err))
	})

	t.Run("known key of another type is a mismatch, not a handshake failure", func(t *testing.T) {
		stale := knownhosts.Line([]string{hostPattern}, newRSAPublicKey(t))
		_, err := sshx.Dial(ctx, withKnownHosts(writeKnownHosts(t, stale)))
		require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
		assert.Contains(t, err.Error(), fingerprint)
	})

	t.Run("known_hosts with several key types for the host", func(t *testing.T) {
		// The other types are preferred only after the ones listed; the right
		// ed25519 line must be found whatever its position.
		rsaLine := knownhosts.Line([]string{hostPattern}, newRSAPublicKey(t))
		good := knownhosts.Line([]string{hostPattern}, hostKey)
		dial(t, withKnownHosts(writeKnownHosts(t, rsaLine, good)))
	})

	t.Run("revoked", func(t *testing.T) {
		good := knownhosts.Line([]string{hostPattern}, hostKey)
		revoked := "@revoked * " + strings.TrimSpace(srv.HostPublicKey)
		_, err := sshx.Dial(ctx, withKnownHosts(writeKnownHosts(t, good, revoked)))
		require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
		assert.Contains(t, err.Error(), "revoked")
	})

	t.Run("pinned ok", func(t *testing.T) {
		cfg := srv.Config()
		cfg.HostKeys = sshx.HostKeyPolicy{Pinned: srv.HostPublicKey}
		dial(t, cfg)
	})

	t.Run("pinned mismatch", func(t *testing.T) {
		cfg := srv.Config()
		other := newEd25519PublicKey(t)
		cfg.HostKeys = sshx.HostKeyPolicy{Pinned: string(ssh.MarshalAuthorizedKey(other))}
		_, err := sshx.Dial(ctx, cfg)
		require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
		assert.Contains(t, err.Error(), fingerprint)
		assert.Contains(t, err.Error(), ssh.FingerprintSHA256(other))
		assert.Contains(t, err.Error(), srv.Addr())
	})

	t.Run("pinned key of another type", func(t *testing.T) {
		cfg := srv.Config()
		cfg.HostKeys = sshx.HostKeyPolicy{Pinned: string(ssh.MarshalAuthorizedKey(newRSAPublicKey(t)))}
		_, err := sshx.Dial(ctx, cfg)
		require.ErrorIs(t, err, sshx.ErrHostKeyMismatch)
	})

	t.Run("insecure logs a warning every dial", func(t *testing.T) {
		log, buf := testLogger()
		cfg := srv.Config()
		cfg.HostKeys = sshx.HostKeyPolicy{Insecure: true}
		cfg.Logger = log
		c := dial(t, cfg)
		_, err := c.Output(ctx, "true")
		require.NoError(t, err)
		require.NoError(t, c.Reconnect(ctx))
		assert.Equal(t, 2, strings.Count(buf.String(), "level=WARN"), buf.String())
		assert.Contains(t, buf.String(), "host key checking disabled")
	})
}

func TestTrustOnFirstUse(t *testing.T) {
	srv := sshtest.Start(t)
	ctx := testCtx(t, 30*time.Second)
	key, err := sshx.ScanHostKey(ctx, srv.Host, srv.Port)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(srv.HostPublicKey), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))))

	path := filepath.Join(t.TempDir(), "sub", "known_hosts")
	cfg := srv.Config()
	cfg.HostKeys.KnownHostsFile = path
	_, err = sshx.Dial(ctx, cfg)
	require.ErrorIs(t, err, sshx.ErrHostUnknown)

	require.NoError(t, sshx.AddKnownHost(path, srv.Addr(), key))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	dial(t, cfg)

	_, err = sshx.ScanHostKey(ctx, "127.0.0.1", 1)
	require.Error(t, err)
}
