package dockerexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/client"
)

// ErrPushFailed: an image could not be pushed to a registry.
var ErrPushFailed = errors.New("docker: image push failed")

// RemoteHasImage reports whether the registry of ref (host/name:tag) already holds it,
// asking the registry through the engine (its distribution endpoint) with reg's credentials.
// A registry that says the image or repository is unknown gives false and no error.
func (e *Engine) RemoteHasImage(ctx context.Context, ref string, reg Registry) (bool, error) {
	_, err := e.cli.DistributionInspect(ctx, ref, client.DistributionInspectOptions{EncodedRegistryAuth: reg.encodedAuth()})
	if err == nil {
		return true, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	low := strings.ToLower(cleanEngineText(err))
	if isNotFound(err) || strings.Contains(low, "manifest unknown") || strings.Contains(low, "not found") || strings.Contains(low, "name unknown") {
		return false, nil
	}
	if IsUnreachable(err) && !strings.Contains(low, "registry") {
		return false, e.engineError(err)
	}
	text := redact(cleanEngineText(err), reg.Password)
	if strings.Contains(low, "unauthorized") || strings.Contains(low, "denied") || strings.Contains(low, "authentication required") {
		return false, fmt.Errorf("%w: looking up %s in %s: %s", ErrRegistryAuth, ref, reg, text)
	}
	return false, fmt.Errorf("docker: looking up %s in %s: %s", ref, reg, text)
}

// Push tags the local image source as target (host/name:tag) and pushes it with reg's
// credentials, streaming the engine's progress lines to log (nil discards them).
func (e *Engine) Push(ctx context.Context, source, target string, reg Registry, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	if _, err := e.cli.ImageTag(ctx, client.ImageTagOptions{Source: source, Target: target}); err != nil {
		return fmt.Errorf("%w: tagging %s as %s: %s", ErrPushFailed, source, target, cleanEngineText(err))
	}
	fmt.Fprintf(log, "Pushing image %s to %s\n", target, reg)
	resp, err := e.cli.ImagePush(ctx, target, client.ImagePushOptions{RegistryAuth: reg.encodedAuth()})
	if err != nil {
		return e.pushError(target, reg, err)
	}
	defer resp.Close()
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return e.pushError(target, reg, err)
		}
		if msg.Error != nil {
			return e.pushError(target, reg, errors.New(msg.Error.Message))
		}
		if msg.Status != "" && msg.Progress == nil {
			line := msg.Status
			if msg.ID != "" {
				line = msg.ID + ": " + line
			}
			fmt.Fprintln(log, line)
		}
	}
	e.log.DebugContext(ctx, "docker image pushed", "image", target, "engine", e.host)
	return nil
}

func (e *Engine) pushError(ref string, reg Registry, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	text := redact(cleanEngineText(err), reg.Password)
	low := strings.ToLower(text)
	if IsUnreachable(err) && !strings.Contains(low, "registry") {
		return e.engineError(err)
	}
	if strings.Contains(low, "unauthorized") || strings.Contains(low, "denied") || strings.Contains(low, "authentication required") {
		return fmt.Errorf("%w: pushing %s to %s: %s", ErrRegistryAuth, ref, reg, text)
	}
	return fmt.Errorf("%w: pushing %s to %s: %s", ErrPushFailed, ref, reg, text)
}
