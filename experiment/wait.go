package experiment

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/amlgo/amlgo/compute"
)

// WaitOptions are the options of Run.WaitForCompletion. A nil *WaitOptions waits quietly and
// returns a *RunError for a failed run.
type WaitOptions struct {
	// ShowOutput receives the run's log as azureml-core prints it: a "RunId:" header, the
	// streamed log under "Streaming <log>" and its "=" underline, and an "Execution Summary".
	ShowOutput io.Writer
	// RaiseOnError, when non-nil and false, makes a failed run return its details without an
	// error (the error details are then written to ShowOutput, as azureml-core does).
	RaiseOnError *bool
}

// WaitForCompletion waits until the run ends, recording its status, metrics and outputs on the
// way, and returns its details. A run that ends Failed or Canceled gives a *RunError (carrying
// the exit code and the end of the log) unless RaiseOnError is false.
//
// Canceling ctx stops the waiting only; the run goes on (use Cancel to stop it). Waiting may
// start in any process that opens the workspace, before or after the run ended: the log is
// streamed from its start and nothing is lost or recorded twice.
func (r *Run) WaitForCompletion(ctx context.Context, opts *WaitOptions) (*RunDetails, error) {
	var o WaitOptions
	if opts != nil {
		o = *opts
	}
	obs, err := r.newObserver(ctx)
	if err != nil {
		return nil, err
	}
	out := newLogStreamer(o.ShowOutput)
	web := r.webView()
	out.printf("RunId: %s\nWeb View: %s\n", r.id, web)
	start := time.Now()
	for {
		ob, done, err := obs.step(ctx)
		if err != nil {
			return nil, err
		}
		if ob != nil {
			out.feed(ob.Logs)
		}
		if done {
			break
		}
		wait := time.Duration(0)
		switch {
		case ob == nil:
			wait = time.Second
		case ob.PollAfter > 0:
			wait = ob.PollAfter
		case len(ob.Logs)+len(ob.Records) == 0:
			wait = compute.ServicePollInterval(time.Since(start))
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				out.flush()
				return nil, errorf("experiment: stopped waiting for run %s (the run goes on): %w", r.id, ctx.Err())
			case <-t.C:
			}
		}
	}
	out.flush()
	out.printf("\nExecution Summary\n=================\nRunId: %s\nWeb View: %s\n", r.id, web)
	details, err := r.Details(ctx)
	if err != nil {
		return nil, err
	}
	if details.Status == StatusFailed || details.Status == StatusCanceled {
		runErr := r.runError(ctx, details)
		if o.RaiseOnError != nil && !*o.RaiseOnError {
			if details.Status == StatusFailed && len(details.Error) > 0 {
				out.printf("\nError:\n%s\n", indentJSON(details.Error))
			}
			return details, nil
		}
		return details, runErr
	}
	out.printf("\n")
	return details, nil
}

// webView is where the run's files live: the run directory of a local workspace.
func (r *Run) webView() string {
	return "file://" + r.ws.RunsDir() + "/" + r.id
}

// logStreamer prints the highest-priority log of a run as azureml-core does: whole lines, and a
// "Streaming <log>" header whenever a higher-numbered log appears. Logs that are not (yet) the
// one printed are buffered, so switching to a log prints it from its start.
type logStreamer struct {
	w       io.Writer
	current string
	pending []byte            // the current log's unfinished last line
	early   map[string][]byte // logs seen before they were chosen
}

// streamedLog is azureml-core's pattern of the logs wait_for_completion streams.
var streamedLog = regexp.MustCompile(`^(user_logs/std_log[\D]*[0]*(?:_ps)?\.txt)|(azureml-logs/[\d]{2}.+\.txt)$`)

// maxEarlyLog bounds the bytes buffered per log that is not printed yet.
const maxEarlyLog = 8 << 20

func newLogStreamer(w io.Writer) *logStreamer {
	return &logStreamer{w: w, early: map[string][]byte{}}
}

func (s *logStreamer) printf(format string, args ...any) {
	if s.w != nil {
		fmt.Fprintf(s.w, format, args...)
	}
}

func (s *logStreamer) feed(chunks []compute.LogChunk) {
	if s.w == nil {
		return
	}
	var names []string
	for _, c := range chunks {
		if streamedLog.MatchString(c.Name) {
			names = append(names, c.Name)
		}
	}
	sort.Strings(names)
	if len(names) > 0 && names[len(names)-1] > s.current {
		s.switchTo(names[len(names)-1])
	}
	for _, c := range chunks {
		switch {
		case c.Name == s.current:
			s.write(c.Data)
		case c.Name > s.current && streamedLog.MatchString(c.Name):
			if len(s.early[c.Name])+len(c.Data) <= maxEarlyLog {
				s.early[c.Name] = append(s.early[c.Name], c.Data...)
			}
		}
	}
}

func (s *logStreamer) switchTo(name string) {
	s.flush()
	s.current = name
	fmt.Fprintf(s.w, "\nStreaming %s\n%s\n\n", name, strings.Repeat("=", len(name)+10))
	if b := s.early[name]; len(b) > 0 {
		s.write(b)
	}
	for k := range s.early {
		if k <= name {
			delete(s.early, k)
		}
	}
}

// write prints the complete lines of data and keeps an unfinished last line.
func (s *logStreamer) write(data []byte) {
	s.pending = append(s.pending, data...)
	if i := bytes.LastIndexByte(s.pending, '\n'); i >= 0 {
		_, _ = s.w.Write(s.pending[:i+1])
		s.pending = append(s.pending[:0], s.pending[i+1:]...)
	}
}

// flush prints an unfinished last line, ended, as Python's print would.
func (s *logStreamer) flush() {
	if s.w != nil && len(s.pending) > 0 {
		_, _ = s.w.Write(append(s.pending, '\n'))
		s.pending = s.pending[:0]
	}
}
