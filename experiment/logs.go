package experiment

import (
	"context"
	"io"
	"time"

	"github.com/amlgo/amlgo/compute"
)

// DriverLog is the name of the log holding the script's output.
const DriverLog = "azureml-logs/70_driver_log.txt"

// LogsOptions are the options of Run.Logs.
type LogsOptions struct {
	// Name is the log to write (default DriverLog).
	Name string
	// Follow keeps writing new output until the run ends.
	Follow bool
}

// Logs writes a log of the run to w: all of it that exists now, or, with Follow, everything
// until the run ends. Bytes are written as the target reports them.
func (r *Run) Logs(ctx context.Context, w io.Writer, opts *LogsOptions) error {
	var o LogsOptions
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = DriverLog
	}
	rec, err := r.refresh(ctx)
	if err != nil {
		return err
	}
	if Status(rec.Status).Terminal() {
		if err := r.copyArtifact(ctx, o.Name, w); err == nil {
			return nil
		}
	}
	obs, err := r.newObserver(ctx)
	if err != nil {
		return err
	}
	var werr error
	sink := func(c compute.LogChunk) {
		if c.Name == o.Name && werr == nil {
			_, werr = w.Write(c.Data)
		}
	}
	for {
		done, err := obs.drain(ctx, sink)
		if err != nil {
			return err
		}
		if werr != nil {
			return errorf("experiment: writing log: %w", werr)
		}
		if done || !o.Follow {
			if done && obs.exec == nil {
				return r.copyArtifact(ctx, o.Name, w)
			}
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
