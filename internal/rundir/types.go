package rundir

import (
	"encoding/json"
	"errors"
	"time"
)

// ErrExecutionLost means a run's driver process ended without recording an exit code.
// compute exports the same value as compute.ErrExecutionLost.
var ErrExecutionLost = errors.New("compute: execution lost")

// Cursor says how much of a run directory's output the caller has already seen.
// The zero Cursor means nothing.
type Cursor struct {
	// Logs is the byte offset reached in each log file, by log name.
	Logs map[string]int64
	// Records is the byte offset reached in the metric records.
	Records int64
}

// Clone returns a deep copy of c.
func (c Cursor) Clone() Cursor {
	out := Cursor{Records: c.Records, Logs: make(map[string]int64, len(c.Logs))}
	for k, v := range c.Logs {
		out.Logs[k] = v
	}
	return out
}

// LogChunk is new bytes of one log file.
type LogChunk struct {
	// Name is the log's artifact name, e.g. "azureml-logs/70_driver_log.txt".
	Name string
	// Offset is where Data starts in the log.
	Offset int64
	// Data is the new bytes.
	Data []byte
}

// Record is one line the run-context shim wrote to the run's metric records.
type Record struct {
	// Offset is the byte offset of the line; it identifies the record.
	Offset int64
	// Line is the JSON object, without its newline.
	Line json.RawMessage
}

// Observation is what one Observe saw.
type Observation struct {
	// Status is the run status (azureml's status names).
	Status string
	// Logs are the new log bytes, in log-name order.
	Logs []LogChunk
	// Records are the new metric records, in file order.
	Records []Record
	// Next is the cursor to pass to the next Observe.
	Next Cursor
	// StartedAt and EndedAt are when the script started and ended (zero when not yet).
	StartedAt, EndedAt time.Time
	// ExitCode is the script's exit code once it has ended.
	ExitCode *int
	// Reason explains a Failed or Canceled status (empty otherwise).
	Reason string
	// SystemError says the failure was the target's, not the script's.
	SystemError bool
	// PollAfter suggests how long to wait before the next Observe (0 = caller's choice).
	PollAfter time.Duration
}
