package dockerexec

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Labels amlgo puts on every run container, so that any process can find them.
const (
	LabelRunID  = "amlgo.run-id"
	LabelRunDir = "amlgo.run-dir"
)

// ContainerSpec is a run's container.
type ContainerSpec struct {
	// Name is the container's name (amlgo-<run id>): cancel, reattach and cleanup find it by it.
	Name string
	// Image is the image to run.
	Image string
	// Cmd is the command (the driver wrapper and the script).
	Cmd []string
	// Entrypoint, when not empty, replaces the image's entrypoint (and its default command).
	Entrypoint []string
	// Env is the container's environment (NAME=value).
	Env []string
	// WorkingDir is the command's working directory.
	WorkingDir string
	// User runs the command as uid[:gid] ("" = the image's user).
	User string
	// Binds are bind mounts (host:container[:ro]).
	Binds []string
	// Labels are added to LabelRunID's (set by the caller).
	Labels map[string]string
	// ShmSize is /dev/shm's size in bytes (0 = the engine's default).
	ShmSize int64
	// Arguments are docker.arguments (docker run flags; see SupportedArguments).
	Arguments []string
	// GPUs asks for every GPU (--gpus all); refused when the engine has no GPU runtime.
	GPUs bool
	// StopTimeout is how long a stop waits between SIGTERM and SIGKILL.
	StopTimeout time.Duration
	// NetworkMode is the container's network ("" = the engine's default).
	NetworkMode string
	// NanoCPUs limits the container's CPU in billionths of a CPU (0 = no limit).
	NanoCPUs int64
	// Memory limits the container's memory in bytes, swap included (0 = no limit): a process
	// that needs more is killed by the kernel (ContainerState.OOMKilled).
	Memory int64
}

// CreateContainer creates the container (not started). The container runs under an init
// process (docker's --init), so signals reach the driver and zombies are reaped.
func (e *Engine) CreateContainer(ctx context.Context, spec ContainerSpec) (string, error) {
	init := true
	stop := int(spec.StopTimeout.Round(time.Second) / time.Second)
	cfg := &container.Config{
		Image:       spec.Image,
		Cmd:         spec.Cmd,
		Entrypoint:  spec.Entrypoint,
		Env:         slices.Clone(spec.Env),
		WorkingDir:  spec.WorkingDir,
		User:        spec.User,
		Labels:      spec.Labels,
		StopSignal:  "SIGTERM",
		StopTimeout: &stop,
	}
	hc := &container.HostConfig{
		Binds:       slices.Clone(spec.Binds),
		ShmSize:     spec.ShmSize,
		Init:        &init,
		NetworkMode: container.NetworkMode(spec.NetworkMode),
	}
	hc.NanoCPUs = spec.NanoCPUs
	if spec.Memory > 0 {
		hc.Memory, hc.MemorySwap = spec.Memory, spec.Memory
	}
	gpus := spec.GPUs
	if err := applyArguments(spec.Arguments, cfg, hc, &gpus); err != nil {
		return "", err
	}
	if gpus {
		if err := e.checkGPURuntime(ctx); err != nil {
			return "", err
		}
		hc.DeviceRequests = []container.DeviceRequest{{Count: -1, Capabilities: [][]string{{"gpu"}}}}
	}
	res, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: spec.Name, Config: cfg, HostConfig: hc})
	if err != nil {
		if isNotFound(err) {
			return "", fmt.Errorf("%w: %s is not on the engine %s", ErrImageNotFound, spec.Image, e.host)
		}
		return "", fmt.Errorf("docker: creating container %s: %w", spec.Name, e.engineError(err))
	}
	return res.ID, nil
}

// checkGPURuntime refuses GPUs on an engine without the NVIDIA runtime: azureml's automatic
// --gpus all broke CPU-only hosts; amlgo adds GPUs only when asked and says why it cannot.
func (e *Engine) checkGPURuntime(ctx context.Context) error {
	info, err := e.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return e.engineError(err)
	}
	for name := range info.Info.Runtimes {
		if name == "nvidia" {
			return nil
		}
	}
	return fmt.Errorf("%w: GPUs were asked for (gpuSupport or --gpus), but the Docker engine at %s has no nvidia runtime; "+
		"install the NVIDIA Container Toolkit on that host, or run without GPUs", ErrNoGPURuntime, e.host)
}

// CopyTo unpacks the tar archive content at dir in the (created) container.
func (e *Engine) CopyTo(ctx context.Context, name, dir string, content io.Reader) error {
	if _, err := e.cli.CopyToContainer(ctx, name, client.CopyToContainerOptions{DestinationPath: dir, Content: content}); err != nil {
		return fmt.Errorf("docker: copying into container %s: %w", name, e.engineError(err))
	}
	return nil
}

// StartContainer starts a created container.
func (e *Engine) StartContainer(ctx context.Context, name string) error {
	if _, err := e.cli.ContainerStart(ctx, name, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("docker: starting container %s: %s", name, cleanEngineText(e.engineError(err)))
	}
	return nil
}

// ContainerState is what the engine knows of a container.
type ContainerState struct {
	// Exists is false when the engine has no such container.
	Exists bool
	// Status is the engine's state: created, running, paused, restarting, removing, exited, dead.
	Status string
	// Running is true while the container's init process runs.
	Running bool
	// ExitCode is the init process's exit code once exited.
	ExitCode int
	// OOMKilled says the kernel killed it for memory.
	OOMKilled bool
	// Error is the engine's error for the container, if any.
	Error string
	// StartedAt is when it last started (zero before it starts).
	StartedAt time.Time
	// FinishedAt is when it exited (zero while it runs).
	FinishedAt time.Time
}

// Inspect returns the container's state.
func (e *Engine) Inspect(ctx context.Context, name string) (*ContainerState, error) {
	res, err := e.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		if isNotFound(err) {
			return &ContainerState{}, nil
		}
		return nil, e.engineError(err)
	}
	st := &ContainerState{Exists: true}
	if s := res.Container.State; s != nil {
		st.Status = string(s.Status)
		st.Running = s.Running || s.Restarting || s.Paused
		st.ExitCode = s.ExitCode
		st.OOMKilled = s.OOMKilled
		st.Error = s.Error
		if t, err := time.Parse(time.RFC3339Nano, s.FinishedAt); err == nil && t.Year() > 1 {
			st.FinishedAt = t
		}
		if t, err := time.Parse(time.RFC3339Nano, s.StartedAt); err == nil && t.Year() > 1 {
			st.StartedAt = t
		}
	}
	return st, nil
}

// Kill sends signal (e.g. "SIGKILL") to the container's init process; a container that is not
// running (or is gone) is not an error.
func (e *Engine) Kill(ctx context.Context, name, signal string) error {
	_, err := e.cli.ContainerKill(ctx, name, client.ContainerKillOptions{Signal: signal})
	if err == nil || isNotFound(err) || isNotRunning(err) {
		return nil
	}
	return fmt.Errorf("docker: killing container %s: %w", name, e.engineError(err))
}

// Remove removes the container (killing it if it still runs); a missing one is not an error,
// and a removal another process started is waited for, so that several observers finalizing
// one run all succeed.
func (e *Engine) Remove(ctx context.Context, name string) error {
	_, err := e.cli.ContainerRemove(ctx, name, client.ContainerRemoveOptions{Force: true})
	switch {
	case err == nil || isNotFound(err):
		return nil
	case containsFold(err.Error(), "already in progress"):
		deadline := time.Now().Add(removeWait)
		for time.Now().Before(deadline) {
			st, ierr := e.Inspect(ctx, name)
			if ierr != nil {
				return fmt.Errorf("docker: removing container %s: %w", name, ierr)
			}
			if !st.Exists {
				return nil
			}
			t := time.NewTimer(50 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
	return fmt.Errorf("docker: removing container %s: %w", name, e.engineError(err))
}

// removeWait bounds the wait for a removal another process started.
const removeWait = 30 * time.Second

// ListRunContainers returns the names of the containers (running or not) labelled with run
// id runID, or with any run id when runID is "".
func (e *Engine) ListRunContainers(ctx context.Context, runID string) ([]string, error) {
	label := LabelRunID
	if runID != "" {
		label += "=" + runID
	}
	return e.ListLabeled(ctx, label)
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}

func isNotRunning(err error) bool {
	return err != nil && (containsFold(err.Error(), "is not running") || containsFold(err.Error(), "not running"))
}
