package dockertest

import (
	"os"
	"os/exec"
	"os/user"
	"slices"
	"syscall"
	"testing"

	"github.com/amlgo/amlgo/internal/testenv"
)

// DockerGroup is the group that owns the engines' sockets unless DaemonOptions.Group says otherwise.
const DockerGroup = "docker"

// lockPath serializes group and user changes across concurrently running test binaries.
const lockPath = "/run/amlgo-dockertest.lock"

// locked runs fn while holding the exclusive flock on lockPath.
func locked(t testing.TB, fn func()) {
	t.Helper()
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("dockertest: lock %s: %v", lockPath, err)
	}
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	fn()
}

// ensureDockerGroup creates the group docker (as a system group) when it is missing. Call it
// with the lock held.
func ensureDockerGroup(t testing.TB) {
	t.Helper()
	if _, err := user.LookupGroup(DockerGroup); err == nil {
		return
	}
	if out, err := exec.Command("groupadd", "--system", DockerGroup).CombinedOutput(); err != nil {
		t.Fatalf("dockertest: groupadd %s: %v: %s", DockerGroup, err, out)
	}
}

// GrantUser adds the existing OS user name to the group docker (usermod -aG), so that it can use
// the shared engine's socket, creating the group when it is missing. It needs root (otherwise t
// is skipped, or failed under AMLGO_REQUIRE_INTEGRATION=1) and leaves the membership in place.
//
// A new group membership takes effect only for new logins: processes that are already running,
// and new sessions on an SSH connection opened before the call (sshd sets a connection's groups
// when it authenticates), keep their old groups. Connect after GrantUser.
func GrantUser(t testing.TB, name string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.SkipOrFail(t, "dockertest: GrantUser needs root")
		return
	}
	locked(t, func() {
		ensureDockerGroup(t)
		u, err := user.Lookup(name)
		if err != nil {
			t.Fatalf("dockertest: GrantUser: %v", err)
		}
		g, err := user.LookupGroup(DockerGroup)
		if err != nil {
			t.Fatalf("dockertest: GrantUser: %v", err)
		}
		if gids, err := u.GroupIds(); err == nil && slices.Contains(gids, g.Gid) {
			return
		}
		if out, err := exec.Command("usermod", "-aG", DockerGroup, name).CombinedOutput(); err != nil {
			t.Fatalf("dockertest: usermod -aG %s %s: %v: %s", DockerGroup, name, err, out)
		}
	})
}
