package dockertest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// TestDaemonStopRestartKill needs no shared environment: a daemon comes up, restarts, survives
// a SIGKILL by restarting, and its cleanup leaves nothing behind.
func TestDaemonStopRestartKill(t *testing.T) {
	var dir string
	t.Run("daemon", func(t *testing.T) {
		d := StartDaemon(t, nil)
		dir = d.Dir()
		require.Less(t, len(d.Socket()), 108-len("/exec/containerd/containerd.sock.ttrpc")+len("/docker.sock"))
		require.Equal(t, "unix://"+d.Socket(), d.Host())
		fi, err := os.Stat(d.Socket())
		require.NoError(t, err)
		assert.Equal(t, os.ModeSocket|0o660, fi.Mode()&(os.ModeSocket|os.ModePerm))
		require.NoError(t, pingFor(d.Socket(), 5*time.Second))

		d.Restart(t)
		require.NoError(t, pingFor(d.Socket(), 5*time.Second))

		d.Kill(t)
		require.False(t, d.Running())
		require.Error(t, pingFor(d.Socket(), 2*time.Second), "a killed daemon answers")
		d.Restart(t)
		require.True(t, d.Running())
		require.NoError(t, pingFor(d.Socket(), 5*time.Second))

		d.Stop(t)
		d.Stop(t) // twice is fine
		require.False(t, d.Running())
		require.Error(t, pingFor(d.Socket(), 2*time.Second), "a stopped daemon answers")
		require.Empty(t, mountsUnder(d.Dir()+"/exec/netns"), "Stop leaves the netns mounted")
		d.Restart(t)
	})
	_, err := os.Stat(dir)
	require.True(t, os.IsNotExist(err), "cleanup left %s: %v", dir, err)
	require.Empty(t, mountsUnder(dir))
	for pid, p := range listProcs() {
		require.NotContains(t, string(p.cmdline), dir, "process %d survived cleanup", pid)
	}
}

// TestDaemonContainers loads an image from the shared engine into private daemons and shows what
// happens to a running container when the daemon restarts or crashes, with and without
// LiveRestore.
func TestDaemonContainers(t *testing.T) {
	e := Require(t)
	var dir string
	t.Run("plain", func(t *testing.T) {
		d := StartDaemon(t, nil)
		dir = d.Dir()
		start := time.Now()
		d.LoadImage(t, e, e.PythonImage)
		t.Logf("LoadImage %s: %v", e.PythonImage, time.Since(start).Round(time.Millisecond))
		require.True(t, imageExists(t, d.Socket(), e.PythonImage))
		code, out := runContainer(t, d.Socket(), e.PythonImage, "python3", "-c", "print(6*7)")
		require.Equal(t, 0, code, out)
		require.Equal(t, "42\n", out)

		id := createContainer(t, d.Socket(), e.PythonImage, "sleep", "600")
		startContainer(t, d.Socket(), id)
		running, pid := containerState(t, d.Socket(), id)
		require.True(t, running)
		d.Restart(t) // without live restore, stopping the daemon stops the container
		running, _ = containerState(t, d.Socket(), id)
		require.False(t, running)
		require.False(t, alive(pid), "container process %d survived a daemon restart", pid)

		startContainer(t, d.Socket(), id)
		running, pid = containerState(t, d.Socket(), id)
		require.True(t, running)
		d.Kill(t) // a crash: the container keeps running until dockerd comes back
		require.True(t, alive(pid), "container process %d died with dockerd", pid)
		d.Restart(t)
		waitFor(t, func() bool { r, _ := containerState(t, d.Socket(), id); return !r && !alive(pid) },
			"the restarted daemon (no live restore) to stop the container")
	})
	_, err := os.Stat(dir)
	require.True(t, os.IsNotExist(err), "cleanup left %s", dir)

	t.Run("live-restore", func(t *testing.T) {
		d := StartDaemon(t, &DaemonOptions{LiveRestore: true})
		dir = d.Dir()
		d.LoadImage(t, e, e.PythonImage)
		id := createContainer(t, d.Socket(), e.PythonImage, "sleep", "600")
		startContainer(t, d.Socket(), id)
		_, pid := containerState(t, d.Socket(), id)
		d.Restart(t)
		running, pid2 := containerState(t, d.Socket(), id)
		require.True(t, running, "live restore: the container must survive a restart")
		require.Equal(t, pid, pid2)
		d.Kill(t)
		require.True(t, alive(pid))
		d.Restart(t)
		running, pid2 = containerState(t, d.Socket(), id)
		require.True(t, running, "live restore: the container must survive a crash and restart")
		require.Equal(t, pid, pid2)
		d.Kill(t) // cleanup must kill the shim and the container
	})
	for p, info := range listProcs() {
		require.False(t, strings.Contains(string(info.cmdline), dir), "process %d survived cleanup", p)
	}
	_, err = os.Stat(dir)
	require.True(t, os.IsNotExist(err), "cleanup left %s", dir)
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !zombie(st) && syscall.Kill(pid, 0) == nil
}

// waitFor polls cond until it holds, failing t after testenv.Patience.
func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(testenv.Patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", testenv.Patience, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
