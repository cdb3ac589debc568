package dockertest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRegistryPull pulls the registry's image into a private daemon (so that the shared engine
// still lacks it): refused without credentials and with a wrong password, done with the right one.
func TestRegistryPull(t *testing.T) {
	e := Require(t)
	if imageExists(t, e.Socket, e.RegistryImage) {
		t.Logf("note: the shared engine has %s (a test pulled it and left it)", e.RegistryImage)
	}
	d := StartDaemon(t, nil)

	msg := pull(t, d.Socket(), e.RegistryImage, "")
	require.NotEmpty(t, msg, "pull without credentials worked")
	t.Logf("pull without X-Registry-Auth: engine says: %s", msg)

	msg = pull(t, d.Socket(), e.RegistryImage, RegistryAuth(e.RegistryUser, e.RegistryPassword+"-wrong", e.Registry))
	require.NotEmpty(t, msg, "pull with a wrong password worked")
	t.Logf("pull with a wrong password: engine says: %s", msg)
	require.NotContains(t, msg, e.RegistryPassword)
	require.False(t, imageExists(t, d.Socket(), e.RegistryImage))

	msg = pull(t, d.Socket(), e.RegistryImage, e.RegistryAuth())
	require.Empty(t, msg, "pull with the right password failed")
	require.True(t, imageExists(t, d.Socket(), e.RegistryImage))
	code, out := runContainer(t, d.Socket(), e.RegistryImage, "python3", "-c", "import sklearn; print('pulled sklearn', sklearn.__version__)")
	require.Equal(t, 0, code, out)
	t.Logf("pulled %s and ran it: %s", e.RegistryImage, out)
}
