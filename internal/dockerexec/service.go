package dockerexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// This file holds the engine operations of an emulated container service (internal/aciemu):
// a pull that keeps the engine's own message, waiting for an exit, reading logs, and finding
// containers by label.

// PullError is a failed pull: the engine's message, with the registry password removed.
type PullError struct {
	// Image is the reference that was pulled.
	Image string
	// Text is the engine's message.
	Text string
}

// Error names the image and quotes the engine.
func (e *PullError) Error() string { return "docker: pulling " + e.Image + ": " + e.Text }

// PullImage pulls ref with reg's credentials. A refusal of the engine or the registry is a
// *PullError carrying the engine's message; an unreachable engine is ErrEngineUnreachable.
func (e *Engine) PullImage(ctx context.Context, ref string, reg Registry) error {
	resp, err := e.cli.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: reg.encodedAuth()})
	if err != nil {
		if IsUnreachable(err) && !containsFold(err.Error(), "registry") {
			return e.engineError(err)
		}
		return &PullError{Image: ref, Text: redact(cleanEngineText(err), reg.Password)}
	}
	defer resp.Close()
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &PullError{Image: ref, Text: redact(err.Error(), reg.Password)}
		}
		if msg.Error != nil {
			return &PullError{Image: ref, Text: redact(msg.Error.Message, reg.Password)}
		}
	}
	return nil
}

// WaitNotRunning blocks until the container is not running (at once if it has exited or does
// not exist) or ctx ends.
func (e *Engine) WaitNotRunning(ctx context.Context, name string) error {
	res := e.cli.ContainerWait(ctx, name, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case <-res.Result:
		return nil
	case err := <-res.Error:
		if err == nil || isNotFound(err) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("docker: waiting for container %s: %w", name, e.engineError(err))
	}
}

// LogsOptions select what Logs writes.
type LogsOptions struct {
	// Tail, when not nil, keeps only the last *Tail lines (0: none).
	Tail *int
	// Timestamps prefixes every line with the engine's RFC 3339 timestamp.
	Timestamps bool
}

// Logs writes the container's output, stdout and stderr interleaved as the engine stored them,
// to w. opts may be nil.
func (e *Engine) Logs(ctx context.Context, name string, w io.Writer, opts *LogsOptions) error {
	var o LogsOptions
	if opts != nil {
		o = *opts
	}
	lo := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: o.Timestamps}
	if o.Tail != nil {
		lo.Tail = strconv.Itoa(max(*o.Tail, 0))
	}
	rc, err := e.cli.ContainerLogs(ctx, name, lo)
	if err != nil {
		if isNotFound(err) {
			return fmt.Errorf("docker: container %s: %w", name, errNoContainer)
		}
		return fmt.Errorf("docker: reading the logs of %s: %w", name, e.engineError(err))
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(w, w, rc); err != nil {
		return fmt.Errorf("docker: reading the logs of %s: %w", name, err)
	}
	return nil
}

// errNoContainer: the engine has no such container.
var errNoContainer = errors.New("no such container")

// IsNoContainer reports whether err says the engine has no such container.
func IsNoContainer(err error) bool { return errors.Is(err, errNoContainer) }

// ListLabeled returns the names of the containers (running or not) that carry label, given as
// "key" or "key=value".
func (e *Engine) ListLabeled(ctx context.Context, label string) ([]string, error) {
	res, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		return nil, e.engineError(err)
	}
	var names []string
	for _, c := range res.Items {
		for _, n := range c.Names {
			names = append(names, trimSlash(n))
		}
	}
	slices.Sort(names)
	return names, nil
}

// ContainerLabels returns a container's labels (nil when the engine has no such container).
func (e *Engine) ContainerLabels(ctx context.Context, name string) (map[string]string, error) {
	res, err := e.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, e.engineError(err)
	}
	if res.Container.Config == nil {
		return map[string]string{}, nil
	}
	return res.Container.Config.Labels, nil
}

// NCPU is the number of CPUs the engine's host has (a container's CPU limit cannot exceed it).
func (e *Engine) NCPU(ctx context.Context) (int, error) {
	info, err := e.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return 0, e.engineError(err)
	}
	return info.Info.NCPU, nil
}
