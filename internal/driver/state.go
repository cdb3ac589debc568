package driver

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrMalformed reports a run-directory file (or metrics record) whose content does not follow
// the contract.
var ErrMalformed = errors.New("driver: malformed run-directory content")

// Reason says why the wrapper killed the command (the reason file).
type Reason string

// Reasons written by the wrapper.
const (
	ReasonNone     Reason = ""         // no reason file: the command ended by itself
	ReasonCanceled Reason = "canceled" // the killfile appeared
	ReasonTimeout  Reason = "timeout"  // the maximum duration elapsed
	// ReasonTerminated: the wrapper itself got SIGTERM or SIGINT from outside amlgo (its
	// container was stopped, the machine is shutting down, someone killed it), not a cancel.
	ReasonTerminated Reason = "terminated"
)

// ParseExitCode parses the content of the exit_code file.
func ParseExitCode(b []byte) (int, error) {
	return parseInt(b, "exit_code")
}

// ParsePID parses the content of the pid or child_pgid file.
func ParsePID(b []byte) (int, error) {
	n, err := parseInt(b, "pid")
	if err == nil && n <= 0 {
		return 0, fmt.Errorf("%w: pid %d", ErrMalformed, n)
	}
	return n, err
}

// ParseTimestamp parses the content of the started_at or ended_at file (RFC3339Nano, UTC).
func ParseTimestamp(b []byte) (time.Time, error) {
	s := strings.TrimSpace(string(b))
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp %q", ErrMalformed, s)
	}
	return t.UTC(), nil
}

// ParseReason parses the content of the reason file; empty content is ReasonNone.
func ParseReason(b []byte) (Reason, error) {
	switch r := Reason(strings.TrimSpace(string(b))); r {
	case ReasonNone, ReasonCanceled, ReasonTimeout, ReasonTerminated:
		return r, nil
	default:
		return ReasonNone, fmt.Errorf("%w: reason %q", ErrMalformed, string(r))
	}
}

func parseInt(b []byte, what string) (int, error) {
	s := strings.TrimSpace(string(b))
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q", ErrMalformed, what, s)
	}
	return n, nil
}
