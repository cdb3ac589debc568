package localexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"syscall"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
)

// Launch is what starting a driver on this machine takes.
type Launch struct {
	// RunDir is the run directory (driver.Layout), prepared by the caller: the wrapper, the
	// restored working directory, azureml-logs.
	RunDir string
	// Command is the wrapper's command line (driver.Paths.Command).
	Command []string
	// Env is the driver's whole environment.
	Env []string
	// Diagnostics receives the wrapper's own output (the control log); the script's output goes
	// to the driver log.
	Diagnostics io.Writer
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Start launches the driver detached, in its own session and process group, so that it
// survives this process; it returns once the driver is started, with its identity taken.
func Start(ctx context.Context, l Launch) (*Execution, error) {
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(l.Command) == 0 {
		return nil, errors.New("compute: starting driver: empty command")
	}
	cmd := exec.Command(l.Command[0], l.Command[1:]...)
	cmd.Dir = l.RunDir
	cmd.Env = l.Env
	cmd.Stdout = l.Diagnostics
	cmd.Stderr = l.Diagnostics
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("compute: starting driver: %w", err)
	}
	// The driver's identity is taken while it is still an unreaped child of this process, so its
	// pid cannot have been reused: from here on it is alive exactly while that process runs, even
	// while the kernel is still inside execve and the wrapper has not written a file yet.
	id, err := driver.LocalIdentity(cmd.Process.Pid)
	if err != nil && !errors.Is(err, driver.ErrNoProcFS) {
		log.WarnContext(ctx, "reading the driver's identity", "pid", cmd.Process.Pid, "err", err)
	}
	// Reap the driver when it ends while this process lives; once this process is gone the
	// driver is re-parented and reaped by init.
	go func() { _ = cmd.Wait() }()
	return Resume(State{RunDir: l.RunDir, Identity: id, LaunchedAt: time.Now().UTC()}), nil
}
