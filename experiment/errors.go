package experiment

import (
	"errors"
	"fmt"
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
)

// RunError is returned by WaitForCompletion for a run that ended Failed (or Canceled).
type RunError struct {
	// RunID is the run's id.
	RunID string
	// Status is the run's final status.
	Status Status
	// Code is azureml's error code: "UserError" or "SystemError".
	Code string
	// Message says why the run failed.
	Message string
	// ExitCode is the script's exit code, when it ran to an exit.
	ExitCode *int
	// LogTail is the end of the driver log (the script's output).
	LogTail string
}

// Error returns the run id, status and reason; the log tail is in LogTail.
func (e *RunError) Error() string {
	msg := fmt.Sprintf("experiment: run %s %s: %s", e.RunID, e.Status, e.Message)
	if e.ExitCode != nil {
		msg += fmt.Sprintf(" (exit code %d)", *e.ExitCode)
	}
	return msg
}

// Unwrap returns an *ExitError when the script exited with a non-zero code.
func (e *RunError) Unwrap() error {
	if e.ExitCode != nil && *e.ExitCode != 0 {
		return &ExitError{Code: *e.ExitCode}
	}
	return nil
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
