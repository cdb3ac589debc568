package dockerexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// DefaultHost is the engine's conventional socket, used when neither the options nor DOCKER_HOST
// name one.
const DefaultHost = "unix:///var/run/docker.sock"

// Errors for errors.Is. Each error this package returns says which engine, image or registry it
// concerns.
var (
	// ErrEngineUnreachable: nothing answers at the engine's address.
	ErrEngineUnreachable = errors.New("docker engine unreachable")
	// ErrEngineAccess: the engine's socket exists but this user may not use it.
	ErrEngineAccess = errors.New("no access to the docker engine")
	// ErrImageNotFound: the image is neither on the engine nor in its registry.
	ErrImageNotFound = errors.New("docker image not found")
	// ErrRegistryAuth: the registry refused the credentials (or asked for some).
	ErrRegistryAuth = errors.New("docker registry refused the credentials")
	// ErrBuildFailed: the image build failed; the error carries the end of the build log.
	ErrBuildFailed = errors.New("docker image build failed")
	// ErrNoGPURuntime: GPUs were asked for but the engine has no GPU runtime.
	ErrNoGPURuntime = errors.New("docker engine has no GPU runtime")
	// ErrBadArguments: docker.arguments holds a flag amlgo cannot pass to the engine.
	ErrBadArguments = errors.New("unsupported docker run argument")
)

// ConnectOptions say how to reach an engine. The zero value means DOCKER_HOST, else DefaultHost.
type ConnectOptions struct {
	// Host is the engine's address ("unix:///var/run/docker.sock", "tcp://host:2375").
	// "" = DOCKER_HOST, else DefaultHost.
	Host string
	// Dial, when set, opens every connection to the engine (for example a VM's socket forwarded
	// over SSH); Host then only names the engine in messages.
	Dial func(ctx context.Context) (net.Conn, error)
	// Logger receives debug events; nil discards them.
	Logger *slog.Logger
}

// Engine is a Docker engine reached through its HTTP API, with the API version negotiated down
// to what the engine speaks (Debian's docker.io 20.10 speaks 1.41). Safe for concurrent use.
type Engine struct {
	cli  *client.Client
	host string
	log  *slog.Logger
}

// ResolveHost is the engine address Connect uses for host: host itself, else DOCKER_HOST, else
// DefaultHost.
func ResolveHost(host string) string {
	if host != "" {
		return host
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return DefaultHost
}

// Connect reaches the engine and negotiates the API version (one ping, whose failure is
// returned: an unreachable engine or a socket this user may not use). opts may be nil.
func Connect(ctx context.Context, opts *ConnectOptions) (*Engine, error) {
	var o ConnectOptions
	if opts != nil {
		o = *opts
	}
	host := ResolveHost(o.Host)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	copts := []client.Opt{client.WithHost(host), client.WithUserAgent("amlgo")}
	if o.Dial != nil {
		dial := o.Dial
		copts = append(copts, client.WithHost("unix:///docker.sock"), client.WithDialContext(func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dial(ctx)
		}))
	}
	cli, err := client.New(copts...)
	if err != nil {
		return nil, fmt.Errorf("docker engine %s: %w", host, err)
	}
	e := &Engine{cli: cli, host: host, log: o.Logger}
	if err := e.Ping(ctx); err != nil {
		cli.Close()
		return nil, err
	}
	return e, nil
}

// Host is the engine's address, for messages.
func (e *Engine) Host() string { return e.host }

// APIVersion is the negotiated API version.
func (e *Engine) APIVersion() string { return e.cli.ClientVersion() }

// Close releases the engine's connections.
func (e *Engine) Close() error { return e.cli.Close() }

// Ping checks that the engine answers (and negotiates the API version the first time).
func (e *Engine) Ping(ctx context.Context) error {
	if _, err := e.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return e.engineError(err)
	}
	return nil
}

// engineError classifies a failure to talk to the engine: unreachable, or no access.
func (e *Engine) engineError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch {
	case errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), "permission denied"):
		return fmt.Errorf("%w at %s: permission denied on its socket; add the user to the docker group "+
			"(sudo usermod -aG docker $USER, then log in again) or set the target's DockerHost to an engine it may use",
			ErrEngineAccess, e.host)
	case IsUnreachable(err):
		return fmt.Errorf("%w: cannot reach the Docker engine at %s (is dockerd running? set DOCKER_HOST or the target's DockerHost): %s",
			ErrEngineUnreachable, e.host, cleanEngineText(err))
	}
	return fmt.Errorf("docker engine %s: %s", e.host, cleanEngineText(err))
}

// IsUnreachable reports whether err means nothing answered at the engine's address.
func IsUnreachable(err error) bool {
	if errors.Is(err, ErrEngineUnreachable) || client.IsErrConnectionFailed(err) {
		return true
	}
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) ||
		(errors.As(err, &ne) && ne.Timeout()) || strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "Cannot connect to the Docker daemon")
}

// isNotFound reports whether the engine answered 404.
func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

// cleanEngineText is the engine's message without the client's "Error response from daemon: ".
func cleanEngineText(err error) string {
	return strings.TrimPrefix(err.Error(), "Error response from daemon: ")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
