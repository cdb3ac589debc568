package dockertest

import (
	"context"
	"os/user"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/internal/testenv"
)

// TestGrantUser lets the sshtest user reach the shared engine: a new login is in group docker
// and runs the docker CLI against the socket. When the user was not in the group yet, it also
// shows that a connection opened before GrantUser keeps its old groups.
func TestGrantUser(t *testing.T) {
	e := Require(t)
	srv := sshtest.Start(t)
	wasMember := inDockerGroup(t, srv.User)

	ctx, cancel := context.WithTimeout(context.Background(), testenv.Patience)
	defer cancel()
	before, err := sshx.Dial(ctx, srv.Config())
	require.NoError(t, err)
	defer before.Close()
	_, err = before.Output(ctx, "true") // authenticated before the grant
	require.NoError(t, err)

	GrantUser(t, srv.User)
	GrantUser(t, srv.User) // twice is fine
	require.True(t, inDockerGroup(t, srv.User))

	groups := strings.Fields(srv.Exec(t, "id -nG"))
	require.Contains(t, groups, DockerGroup, "a new login must be in group docker")
	out := srv.Exec(t, "docker -H "+e.Host+" version --format '{{.Server.Version}} API {{.Server.APIVersion}}'")
	t.Logf("as %s over ssh: docker -H %s version: %s", srv.User, e.Host, strings.TrimSpace(out))
	require.Contains(t, out, "API 1.")

	old, err := before.Output(ctx, "id -nG")
	require.NoError(t, err)
	if wasMember {
		t.Logf("%s was already in group docker; the old connection's groups: %s", srv.User, strings.TrimSpace(string(old)))
	} else {
		require.NotContains(t, strings.Fields(string(old)), DockerGroup,
			"a session on a connection opened before GrantUser keeps the old groups")
		t.Logf("connection opened before GrantUser: groups %q; new login: %q", strings.TrimSpace(string(old)), strings.Join(groups, " "))
	}
}

// inDockerGroup reports whether the user name is a member of group docker.
func inDockerGroup(t testing.TB, name string) bool {
	t.Helper()
	u, err := user.Lookup(name)
	require.NoError(t, err)
	g, err := user.LookupGroup(DockerGroup)
	if err != nil {
		return false
	}
	gids, err := u.GroupIds()
	require.NoError(t, err)
	return slices.Contains(gids, g.Gid)
}
