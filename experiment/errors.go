package experiment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/amlgo/amlgo/internal/errtext"
)

// Sentinel errors, checked with errors.Is.
var (
	// ErrInvalidName means an experiment name does not match azureml's rule.
	ErrInvalidName = errors.New("experiment: invalid experiment name")
	// ErrNotFound means the workspace has no run (or model) with that id (or name).
	ErrNotFound = errors.New("experiment: not found")
	// ErrInvalidConfig means a ScriptRunConfig cannot be submitted.
	ErrInvalidConfig = errors.New("experiment: invalid run configuration")
	// ErrNotFinished means an operation needs a run that has ended.
	ErrNotFinished = errors.New("experiment: run has not finished")
	// ErrRunExists means a run with the id asked for exists already.
	ErrRunExists = errors.New("experiment: a run with this id exists")
	// ErrNotInteractive means an operation needs an interactive run (Experiment.StartRun).
	ErrNotInteractive = errors.New("experiment: not an interactive run")
)

// RunError is returned by WaitForCompletion for a run that ended Failed (or Canceled), and by
// Submit, with the run, for a run the target could not start.
type RunError struct {
	// RunID is the run's id.
	RunID string
	// Status is the run's final status.
	Status Status
	// Code is azureml's error code: "UserError" or "SystemError".
	Code string
	// Message says why the run failed.
	Message string
	// ScriptError is the script's own error: the last exception line of its log (e.g.
	// "ValueError: bad alpha"), as azureml's "User program failed with …"; "" when the log
	// shows none.
	ScriptError string
	// ExitCode is the script's exit code, when it ran to an exit.
	ExitCode *int
	// LogTail is the end of the driver log (the script's output).
	LogTail string

	cause error // the target's error, for a run that could not start
}

// Error returns the run id, status and reason, with the script's error and exit code; the
// log tail is in LogTail.
func (e *RunError) Error() string {
	msg := fmt.Sprintf("experiment: run %s %s: %s", e.RunID, e.Status, e.Message)
	if e.ScriptError != "" && !strings.Contains(e.Message, e.ScriptError) {
		msg += " (" + e.ScriptError + ")"
	}
	if e.ExitCode != nil && !strings.Contains(e.Message, fmt.Sprintf("code %d", *e.ExitCode)) {
		msg += fmt.Sprintf(" (exit code %d)", *e.ExitCode)
	}
	return msg
}

// Unwrap returns an *ExitError when the script exited with a non-zero code, and the target's
// error for a run that could not start (compute.ErrEnvironment matches an environment that
// could not be prepared).
func (e *RunError) Unwrap() []error {
	var errs []error
	if e.ExitCode != nil && *e.ExitCode != 0 {
		errs = append(errs, &ExitError{Code: *e.ExitCode})
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// ExitError is a script's non-zero exit code.
type ExitError struct {
	// Code is the exit code; 128+n means killed by signal n.
	Code int
}

// Error returns the exit code.
func (e *ExitError) Error() string {
	return fmt.Sprintf("experiment: script exited with code %d", e.Code)
}

// errorf is fmt.Errorf for errors that may wrap an error of one of amlgo's internal packages:
// the text loses their package names ("store: ", "envbuild: "...), the chain keeps everything.
func errorf(format string, args ...any) error {
	return errtext.Public(fmt.Errorf(format, args...))
}
