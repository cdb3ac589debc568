package compute

import (
	"io"

	"github.com/amlgo/amlgo/internal/rundir"
)

// The run directory's observations (internal/rundir) in the public types.

func toRunDirCursor(c Cursor) rundir.Cursor { return rundir.Cursor(c) }

func fromRunDirObservation(o *rundir.Observation) *Observation {
	if o == nil {
		return nil
	}
	obs := &Observation{
		Status:      o.Status,
		Next:        Cursor(o.Next),
		StartedAt:   o.StartedAt,
		EndedAt:     o.EndedAt,
		ExitCode:    o.ExitCode,
		Reason:      o.Reason,
		SystemError: o.SystemError,
		PollAfter:   o.PollAfter,
	}
	for _, c := range o.Logs {
		obs.Logs = append(obs.Logs, LogChunk(c))
	}
	for _, r := range o.Records {
		obs.Records = append(obs.Records, Record(r))
	}
	return obs
}

// newControlLog returns the timestamping writer of azureml-logs/60_control_log.txt.
func newControlLog(w io.Writer) *rundir.ControlLog { return rundir.NewControlLog(w) }
