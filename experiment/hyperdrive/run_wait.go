package hyperdrive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
)

// WaitOptions are the options of HyperDriveRun.WaitForCompletion. A nil *WaitOptions waits
// quietly and returns an error for a sweep that ends Failed or Canceled.
type WaitOptions struct {
	// ShowOutput receives the sweep's log (azureml-logs/hyperdrive.txt) as it grows, between
	// azureml's "RunId:" header and "Execution Summary" footer.
	ShowOutput io.Writer
	// RaiseOnError, when non-nil and false, makes a sweep that ended Failed or Canceled
	// return its details without an error.
	RaiseOnError *bool
	// Targets are prebuilt compute targets, by name, for the children this process launches
	// when it resumes the sweep (as SubmitOptions.Targets).
	Targets []compute.ComputeTarget
	// Logger receives the controller's debug logs when this process resumes the sweep.
	Logger *slog.Logger
}

// waitPoll is how often a waiter looks at a sweep another process drives (and whether that
// process is gone, so that this one takes over).
const waitPoll = 500 * time.Millisecond

// WaitForCompletion waits until the sweep has ended and returns the parent's details. If no
// process is driving the sweep (the one that submitted it has ended), this one resumes it:
// children still running are followed, configurations recorded but not launched are launched,
// and sampling goes on until MaxTotalRuns children exist. Canceling ctx stops the waiting
// only; a sweep this process drives goes on while the process lives.
//
// A sweep that ends Failed or Canceled gives an *experiment.RunError unless RaiseOnError is
// false.
func (h *HyperDriveRun) WaitForCompletion(ctx context.Context, opts *WaitOptions) (*experiment.RunDetails, error) {
	var o WaitOptions
	if opts != nil {
		o = *opts
	}
	web := "file://" + h.ws.RunsDir() + "/" + h.ID()
	printf := func(format string, args ...any) {
		if o.ShowOutput != nil {
			fmt.Fprintf(o.ShowOutput, format, args...)
		}
	}
	printf("RunId: %s\nWeb View: %s\n\nStreaming %s\n%s\n\n", h.ID(), web, LogName, strings.Repeat("=", len(LogName)+10))
	tail := &logTail{path: logPath(h.ws, h.ID()), w: o.ShowOutput}
	tg := newTargets(h.ws, o.Targets)
	for {
		d := ensureDriving(h, tg, o.Logger)
		tail.poll()
		rec, err := h.st.GetRun(ctx, h.ID())
		if err != nil {
			return nil, fmt.Errorf("hyperdrive: %w", err)
		}
		if experiment.Status(rec.Status).Terminal() {
			break
		}
		var driverDone <-chan struct{}
		poll := waitPoll
		if d != nil {
			driverDone, poll = d.done, pollInterval
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("hyperdrive: stopped waiting for run %s (the sweep goes on): %w", h.ID(), ctx.Err())
		case <-driverDone:
			t.Stop()
			if d.err != nil {
				return nil, fmt.Errorf("hyperdrive: driving run %s: %w", h.ID(), d.err)
			}
		case <-t.C:
		}
	}
	tail.poll()
	if tail.off == 0 {
		tail.fromArtifact(ctx, h) // the log was written on another machine
	}
	printf("\nExecution Summary\n=================\nRunId: %s\nWeb View: %s\n\n", h.ID(), web)
	details, err := h.Run.Details(ctx)
	if err != nil {
		return nil, err
	}
	if details.Status == experiment.StatusCompleted || o.RaiseOnError != nil && !*o.RaiseOnError {
		return details, nil
	}
	e := &experiment.RunError{RunID: h.ID(), Status: details.Status, Message: "The run did not complete."}
	var det struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(details.Error, &det) == nil && det.Error.Message != "" {
		e.Code, e.Message = det.Error.Code, det.Error.Message
	}
	return details, e
}
