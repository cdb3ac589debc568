package sshx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Sentinel errors, for use with errors.Is.
var (
	// ErrHostUnknown means the server's host key is not listed for its address
	// in the known_hosts file. The error text names host:port and the presented
	// key's SHA256 fingerprint; errors.As with *HostKeyError gives the key.
	ErrHostUnknown = errors.New("sshx: host key unknown")
	// ErrHostKeyMismatch means the server presented a key other than the one
	// known (known_hosts) or pinned for it, or a revoked key. This may be an
	// attack; never "fix" it automatically.
	ErrHostKeyMismatch = errors.New("sshx: host key mismatch")
	// ErrAuth means the server rejected every authentication method tried. The
	// error text names the methods (password, publickey, agent), never secrets.
	ErrAuth = errors.New("sshx: authentication failed")
	// ErrConnLost means the SSH connection died while (or before) an operation
	// ran. The Client re-dials on the next operation; whether the interrupted
	// operation took effect remotely is unknown.
	ErrConnLost = errors.New("sshx: connection lost")
	// ErrInvalidConfig means a Config failed validation; the text names the problem.
	ErrInvalidConfig = errors.New("sshx: invalid config")
	// ErrClosed means the Client was closed.
	ErrClosed = errors.New("sshx: client closed")
)

// ExitError reports a remote command that ran and exited with a non-zero
// status (or was killed by a signal).
type ExitError struct {
	// Code is the remote exit status; for a command killed by a signal it is
	// 128 + the signal number, as in a shell.
	Code int
	// Signal is the signal name ("KILL", "TERM", ...) when the command was
	// killed by a signal, otherwise "".
	Signal string
	// Stderr holds the command's standard error (for Run, at most the last
	// 64 KiB), trimmed of surrounding white space.
	Stderr string
}

// Error implements error. It includes the start of Stderr when there is one.
func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sshx: remote command exited with status %d", e.Code)
	if e.Signal != "" {
		fmt.Fprintf(&b, " (signal %s)", e.Signal)
	}
	if e.Stderr != "" {
		msg := e.Stderr
		const max = 2048
		if len(msg) > max {
			msg = msg[:max] + "…"
		}
		b.WriteString(": ")
		b.WriteString(msg)
	}
	return b.String()
}

// HostKeyError carries the details of a host-key failure. It wraps
// ErrHostUnknown or ErrHostKeyMismatch (use errors.Is) and is available with
// errors.As for callers that want to show or record the presented key.
type HostKeyError struct {
	// Addr is the host:port that was dialed.
	Addr string
	// Key is the key the server presented.
	Key ssh.PublicKey
	// Fingerprint is ssh.FingerprintSHA256(Key), "SHA256:…".
	Fingerprint string
	// Want lists the fingerprints of the keys that were expected (empty for an unknown host).
	Want []string
	// Source describes where trust came from: the known_hosts path or "pinned key".
	Source string

	sentinel error
	detail   string
}

// Error implements error.
func (e *HostKeyError) Error() string {
	s := fmt.Sprintf("%v: %s presented %s key %s", e.sentinel, e.Addr, e.Key.Type(), e.Fingerprint)
	switch {
	case e.detail != "":
		s += " " + e.detail
	case len(e.Want) == 0:
		s += " which is not in " + e.Source
	default:
		s += fmt.Sprintf(", but %s expects %s", e.Source, strings.Join(e.Want, ", "))
	}
	return s
}

// Unwrap returns ErrHostUnknown or ErrHostKeyMismatch.
func (e *HostKeyError) Unwrap() error { return e.sentinel }

// IsConnLost reports whether err means the SSH connection (or the network
// under it) failed: ErrConnLost, io.EOF, network errors, connection resets,
// a session that ended without an exit status, and pkg/sftp's "connection
// lost". Context cancellation, authentication, host-key and remote exit errors
// are not connection losses.
func IsConnLost(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrAuth) || errors.Is(err, ErrHostUnknown) || errors.Is(err, ErrHostKeyMismatch) ||
		errors.Is(err, ErrInvalidConfig) || errors.Is(err, ErrClosed) {
		return false
	}
	var exitErr *ExitError
	var sshExit *ssh.ExitError
	if errors.As(err, &exitErr) || errors.As(err, &sshExit) {
		return false
	}
	if errors.Is(err, ErrConnLost) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ETIMEDOUT) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, sftp.ErrSSHFxNoConnection) {
		return true
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"session closed", "connection lost", "use of closed network connection",
		"broken pipe", "connection reset", "ssh: disconnect", "channel closed", "unexpected packet"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
