package remotehost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strings"
	"sync"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/sshx"
	"golang.org/x/crypto/ssh"
)

// DialUnix opens a connection to the unix socket at sockPath on the VM, forwarded over the
// host's SSH connection (OpenSSH's direct-streamlocal channel): how amlgo talks to the VM's
// Docker engine without exposing it on the network.
func (h *Host) DialUnix(ctx context.Context, sockPath string) (net.Conn, error) {
	c, err := h.conn(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := c.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("compute: on VM target %q: %w", h.name, err)
	}
	conn, err := sc.DialContext(ctx, "unix", sockPath)
	if err != nil {
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) && oce.Reason == ssh.Prohibited {
			return nil, fmt.Errorf("compute: on VM target %q: the VM's sshd refuses to forward %s (AllowStreamLocalForwarding is off): %w", h.name, sockPath, err)
		}
		return nil, fmt.Errorf("compute: on VM target %q: connecting to %s: %w", h.name, sockPath, err)
	}
	return conn, nil
}

// ErrSocketMissing and ErrSocketAccess are CheckSocket's findings.
var (
	ErrSocketMissing = errors.New("no such socket")
	ErrSocketAccess  = errors.New("permission denied")
)

// CheckSocket reports whether the VM's user may use the unix socket at sockPath: nil, or an
// error matching ErrSocketMissing or ErrSocketAccess that names the socket and the user.
func (h *Host) CheckSocket(ctx context.Context, sockPath string) error {
	q := shQuote(sockPath)
	out, err := h.Output(ctx, "if [ ! -S "+q+" ]; then echo missing; elif [ -r "+q+" ] && [ -w "+q+" ]; then echo ok; else echo denied; fi; id -un", nil)
	if err != nil {
		return err
	}
	lines := strings.Fields(string(out))
	user := h.cfg.Username
	if len(lines) > 1 {
		user = lines[1]
	}
	switch {
	case len(lines) > 0 && lines[0] == "ok":
		return nil
	case len(lines) > 0 && lines[0] == "missing":
		return fmt.Errorf("%w %s on VM target %q", ErrSocketMissing, sockPath, h.name)
	}
	return fmt.Errorf("%w: user %s on VM target %q may not use %s", ErrSocketAccess, user, h.name, sockPath)
}

// Lock takes an exclusive flock on lockPath on the VM, held by an SSH session until unlock is
// called, or until the connection drops (sshd then ends the session and the kernel releases
// the lock), so a dead SDK process never leaves it held. onWait, when set, is called if the
// lock is busy.
func (h *Host) Lock(ctx context.Context, lockPath string, onWait func()) (unlock func(), err error) {
	c, err := h.conn(ctx)
	if err != nil {
		return nil, err
	}
	q := shQuote(lockPath)
	cmd := "mkdir -p " + shQuote(path.Dir(lockPath)) + " && exec 9>" + q + " && " +
		"{ flock -n 9 || { echo busy; flock 9; }; } && echo locked && exec cat >/dev/null"
	stdinR, stdinW := io.Pipe()
	seen := &lineSignal{want: "locked", busy: "busy", onBusy: onWait, ch: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.WithoutCancel(ctx), cmd, stdinR, seen, nil) }()
	release := func() {
		stdinW.Close()
		<-done
	}
	select {
	case <-seen.ch:
		var once sync.Once
		return func() { once.Do(release) }, nil
	case err := <-done:
		stdinW.Close()
		if err == nil {
			err = errors.New("the lock session ended")
		}
		return nil, fmt.Errorf("compute: on VM target %q: locking %s: %w", h.name, lockPath, err)
	case <-ctx.Done():
		go release()
		return nil, ctx.Err()
	}
}

// lineSignal closes ch when the line want is written, and calls onBusy at the line busy.
type lineSignal struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	want   string
	busy   string
	onBusy func()
	ch     chan struct{}
	closed bool
}

func (s *lineSignal) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	for {
		line, err := s.buf.ReadString('\n')
		if err != nil {
			s.buf.WriteString(line)
			return len(p), nil
		}
		switch strings.TrimSpace(line) {
		case s.busy:
			if s.onBusy != nil {
				s.onBusy()
			}
		case s.want:
			if !s.closed {
				s.closed = true
				close(s.ch)
			}
		}
	}
}

// dockerRunDirScript creates a docker run's directory on the VM: the driver wrapper copied in
// and the control log so far appended (stdin); it prints the user's uid and gid, which the
// container runs as so that the files it writes stay the user's. Arguments: run dir, driver.sh.
const dockerRunDirScript = `R=$1 D=$2 S=$1/azureml-setup
mkdir -p "$S" "$R/azureml-logs" "$R/wd" || exit 1
cat >>"$R/azureml-logs/60_control_log.txt" || exit 1
cp -f "$D" "$S/driver.sh" || exit 1
echo "$(id -u) $(id -g)"
`

// PrepareDockerRunDir creates the run directory of a docker run on the VM (see driver.Paths),
// appends control to its control log and returns the VM user's uid and gid.
func (h *Host) PrepareDockerRunDir(ctx context.Context, root string, paths driver.Paths, control []byte) (uid, gid int, err error) {
	cmd := "sh -c " + shQuote(dockerRunDirScript) + " amlgo-docker " +
		sshx.QuoteArgs(paths.RunDir, path.Join(root, "driver", driverVersion, "driver.sh"))
	out, err := h.Output(ctx, cmd, control)
	if err != nil {
		return 0, 0, fmt.Errorf("compute: preparing the run directory on VM target %q: %w", h.name, err)
	}
	if _, err := fmt.Sscanf(string(out), "%d %d", &uid, &gid); err != nil {
		return 0, 0, fmt.Errorf("compute: preparing the run directory on VM target %q: unexpected output %q", h.name, out)
	}
	return uid, gid, nil
}

// WriteFileAtomic writes data to name on the VM (a temporary file, then a rename).
func (h *Host) WriteFileAtomic(ctx context.Context, name string, data []byte) error {
	q := shQuote(name)
	_, err := h.Output(ctx, "cat >"+shQuote(name+".tmp")+" && mv -f "+shQuote(name+".tmp")+" "+q, data)
	return err
}
