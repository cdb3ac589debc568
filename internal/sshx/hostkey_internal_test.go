package sshx

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestKnownAlgorithmsPrefersKnownTypes(t *testing.T) {
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ed, err := ssh.NewPublicKey(edPub)
	require.NoError(t, err)
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rk, err := ssh.NewPublicKey(&rsaPriv.PublicKey)
	require.NoError(t, err)

	path := filepath.Join(t.TempDir(), "known_hosts")
	lines := knownhosts.Line([]string{"[10.0.0.4]:2222"}, ed) + "\n" +
		knownhosts.Line([]string{"10.0.0.5"}, rk) + "\n" +
		knownhosts.Line([]string{"10.0.0.6"}, ed) + "\n" + knownhosts.Line([]string{"10.0.0.6"}, rk) + "\n"
	require.NoError(t, os.WriteFile(path, []byte(lines), 0o600))
	cb, err := knownhosts.New(path)
	require.NoError(t, err)

	got := knownAlgorithms(cb, "10.0.0.4:2222")
	require.NotEmpty(t, got)
	assert.Equal(t, ssh.KeyAlgoED25519, got[0])
	assert.Contains(t, got, ssh.KeyAlgoRSASHA512, "other algorithms follow")

	got = knownAlgorithms(cb, "10.0.0.5:22")
	assert.Equal(t, []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}, got[:3])

	got = knownAlgorithms(cb, "10.0.0.6:22")
	assert.ElementsMatch(t, []string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}, got[:4])

	assert.Nil(t, knownAlgorithms(cb, "10.0.0.4:22"), "unknown host: library default")
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 5}
	_, _ = tb.Write([]byte("abc"))
	_, _ = tb.Write([]byte("defg"))
	assert.Equal(t, "cdefg", tb.String())
	_, _ = tb.Write([]byte("0123456789"))
	assert.Equal(t, "56789", tb.String())
}
