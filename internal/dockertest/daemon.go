package dockertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amlgo/amlgo/internal/testenv"
)

// DaemonOptions configure a Daemon; the zero value (or nil) is a plain daemon.
type DaemonOptions struct {
	// Group owns the daemon's socket (dockerd --group); "" means DockerGroup. A group other than
	// docker must exist already.
	Group string
	// LiveRestore keeps containers running while the daemon is down (dockerd --live-restore).
	LiveRestore bool
}

// Daemon is a private dockerd that one test owns, for fault tests that stop, restart or kill the
// engine without disturbing the shared one. It has its own socket, data root and exec root under
// a short directory in /tmp (unix socket paths must stay under 108 bytes), no bridge and no
// iptables rules. Its methods must be called from the test's goroutine.
type Daemon struct {
	dir, sock, logPath string
	args               []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// StartDaemon starts a Daemon, waits until it answers GET /_ping and stops it, kills what is left
// of its containers and removes its directory in t.Cleanup. It needs root and dockerd; without
// them t is skipped, or failed under AMLGO_REQUIRE_INTEGRATION=1. opts may be nil.
func StartDaemon(t testing.TB, opts *DaemonOptions) *Daemon {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.SkipOrFail(t, "dockertest: StartDaemon needs root")
		return nil
	}
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		testenv.SkipOrFail(t, "dockertest: dockerd not found (apt-get install -y docker.io)")
		return nil
	}
	var o DaemonOptions
	if opts != nil {
		o = *opts
	}
	if o.Group == "" {
		o.Group = DockerGroup
		locked(t, func() { ensureDockerGroup(t) })
	}
	dir, err := os.MkdirTemp("/tmp", "amlgo-dd-")
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // users in Group reach the socket through it
		t.Fatalf("dockertest: %v", err)
	}
	d := &Daemon{dir: dir, sock: filepath.Join(dir, "docker.sock"), logPath: filepath.Join(dir, "dockerd.log")}
	d.args = []string{dockerd, "--host", d.Host(), "--group", o.Group,
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"--iptables=false", "--ip-masq=false", "--bridge=none"}
	if o.LiveRestore {
		d.args = append(d.args, "--live-restore")
	}
	t.Cleanup(func() { d.cleanup(t) })
	d.start(t)
	return d
}

// Host returns the daemon's address: "unix://" + Socket().
func (d *Daemon) Host() string { return "unix://" + d.sock }

// Socket returns the path of the daemon's unix socket.
func (d *Daemon) Socket() string { return d.sock }

// Dir returns the daemon's directory (socket, data root "data", exec root "exec", dockerd.log).
func (d *Daemon) Dir() string { return d.dir }

// Log returns what dockerd has logged so far, for failure messages.
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.logPath)
	return string(b)
}

// Running reports whether the dockerd process is alive (it may not answer yet, or any more).
func (d *Daemon) Running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return false
	}
	select {
	case <-d.exited:
		return false
	default:
		return true
	}
}

// start runs dockerd and waits until it answers GET /_ping.
func (d *Daemon) start(t testing.TB) {
	t.Helper()
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	fmt.Fprintf(logf, "--- dockertest: starting %s at %s\n", strings.Join(d.args, " "), time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(d.args[0], d.args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		t.Fatalf("dockertest: start dockerd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(exited) }()
	d.mu.Lock()
	d.cmd, d.exited = cmd, exited
	d.mu.Unlock()

	deadline := time.Now().Add(testenv.Patience)
	for {
		select {
		case <-exited:
			t.Fatalf("dockertest: dockerd exited while starting (%v); log:\n%s", cmd.ProcessState, tail(d.Log(), 80))
		default:
		}
		if pingFor(d.sock, time.Second) == nil {
			return
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("dockertest: dockerd did not answer on %s within %v; log:\n%s", d.sock, testenv.Patience, tail(d.Log(), 80))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends sig to dockerd and waits (up to testenv.Patience) until it has exited; after
// that it sends SIGKILL and waits again. It reports whether dockerd was running.
func (d *Daemon) signal(sig syscall.Signal) (bool, error) {
	d.mu.Lock()
	cmd, exited := d.cmd, d.exited
	d.mu.Unlock()
	if cmd == nil {
		return false, nil
	}
	select {
	case <-exited:
		return false, nil
	default:
	}
	_ = cmd.Process.Signal(sig)
	timer := time.NewTimer(testenv.Patience)
	defer timer.Stop()
	select {
	case <-exited:
		return true, nil
	case <-timer.C:
	}
	_ = cmd.Process.Kill()
	<-exited
	return true, fmt.Errorf("dockerd (pid %d) still running %v after %v; killed it", cmd.Process.Pid, testenv.Patience, sig)
}

// Stop stops dockerd (SIGTERM) and waits until it has exited; without LiveRestore dockerd stops
// the containers first. Stopping a stopped daemon does nothing.
func (d *Daemon) Stop(t testing.TB) {
	t.Helper()
	if _, err := d.signal(syscall.SIGTERM); err != nil {
		t.Fatalf("dockertest: %v; log:\n%s", err, tail(d.Log(), 80))
	}
	d.waitContainerdGone(t)
	d.unmountNetns(t)
}

// Restart stops dockerd (as Stop does; nothing to stop after Kill) and starts it again with the
// same directories and options, then waits until it answers.
func (d *Daemon) Restart(t testing.TB) {
	t.Helper()
	d.Stop(t)
	d.start(t)
}

// Kill kills dockerd with SIGKILL, as a crash would, and waits until it and its containerd are
// gone (dockerd starts containerd with a parent-death signal, so containerd dies with it). The
// containers' shims and the containers keep running; Restart starts dockerd again, which starts
// a new containerd that reconnects to them (and, without LiveRestore, then stops the containers).
func (d *Daemon) Kill(t testing.TB) {
	t.Helper()
	if _, err := d.signal(syscall.SIGKILL); err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	d.waitContainerdGone(t)
}

// waitContainerdGone waits until the containerd named by the exec root's containerd.pid has
// exited. A dockerd started while it still exists would try to reuse it and fail ("timeout
// waiting for containerd to start"); that includes a zombie, which can last seconds here because
// an orphan is reaped by init, so the pidfile of a dead containerd is removed.
func (d *Daemon) waitContainerdGone(t testing.TB) {
	t.Helper()
	pidfile := filepath.Join(d.dir, "exec", "containerd", "containerd.pid")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return
	}
	marker := []byte(filepath.Join(d.dir, "exec") + "/")
	deadline := time.Now().Add(testenv.Patience)
	for {
		st, err1 := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		cl, err2 := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err1 != nil || err2 != nil || zombie(st) || !bytes.Contains(bytes.ReplaceAll(cl, []byte{0}, []byte{' '}), marker) {
			_ = os.Remove(pidfile)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("dockertest: containerd (pid %d) still running %v after dockerd was killed", pid, testenv.Patience)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// LoadImage copies image from the shared engine of from into this daemon, streaming
// GET /images/get from one into POST /images/load on the other (docker save | docker load).
func (d *Daemon) LoadImage(t testing.TB, from *Env, image string) {
	t.Helper()
	src, dst := unixClient(from.Socket), unixClient(d.sock)
	defer src.CloseIdleConnections()
	defer dst.CloseIdleConnections()
	resp, err := src.Get(apiBase + "/images/get?names=" + url.QueryEscape(image))
	if err != nil {
		t.Fatalf("dockertest: LoadImage %s: %v", image, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dockertest: LoadImage %s: %v", image, responseError(resp))
	}
	lresp, err := dst.Post(apiBase+"/images/load?quiet=1", "application/x-tar", resp.Body)
	if err != nil {
		t.Fatalf("dockertest: LoadImage %s into %s: %v", image, d.sock, err)
	}
	defer lresp.Body.Close()
	if lresp.StatusCode != http.StatusOK {
		t.Fatalf("dockertest: LoadImage %s into %s: %v", image, d.sock, responseError(lresp))
	}
	if err := streamError(lresp.Body); err != nil {
		t.Fatalf("dockertest: LoadImage %s into %s: %v", image, d.sock, err)
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// mountsUnder returns the mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) < 5 {
			continue
		}
		mp := strings.ReplaceAll(f[4], `\040`, " ")
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 { // later mounts sit on top of earlier ones
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// unmountNetns unmounts the netns mount that dockerd leaves behind when it exits.
func (d *Daemon) unmountNetns(t testing.TB) {
	t.Helper()
	ns := filepath.Join(d.dir, "exec", "netns", "default")
	for _, mp := range mountsUnder(ns) {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil {
			t.Logf("dockertest: unmount %s: %v", mp, err)
		}
	}
}
