package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// RunDetails is a run's record, with the keys of azureml-core's Run.get_details().
type RunDetails struct {
	RunID        string     `json:"runId"`
	Target       string     `json:"target"`
	Status       Status     `json:"status"`
	StartTimeUTC *time.Time `json:"startTimeUtc,omitempty"`
	EndTimeUTC   *time.Time `json:"endTimeUtc,omitempty"`
	// Properties include ContentSnapshotId, the id of the run's snapshot.
	Properties     map[string]string `json:"properties"`
	InputDatasets  []json.RawMessage `json:"inputDatasets"`
	OutputDatasets []json.RawMessage `json:"outputDatasets"`
	// RunDefinition is the full run configuration the run was started with (service JSON form).
	RunDefinition json.RawMessage `json:"runDefinition"`
	// LogFiles maps each log's name to where its content is stored.
	LogFiles    map[string]string `json:"logFiles"`
	SubmittedBy string            `json:"submittedBy"`
	// Error is azureml's error object ({"error": {"code", "message"}, "time"}) for a failed run.
	Error json.RawMessage `json:"error,omitempty"`
	// ExitCode is the script's exit code once it ended (not an azureml key).
	ExitCode *int `json:"exitCode,omitempty"`
}

// Details returns the run's details. It observes a run that is not known to have ended first.
func (r *Run) Details(ctx context.Context) (*RunDetails, error) {
	status, err := r.Status(ctx)
	if err != nil {
		return nil, err
	}
	rec := r.record()
	props, err := r.st.Properties(ctx, r.id)
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	arts, err := r.st.Artifacts(ctx, r.id)
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	d := &RunDetails{
		RunID:          r.id,
		Target:         rec.Target,
		Status:         status,
		Properties:     props,
		InputDatasets:  []json.RawMessage{},
		OutputDatasets: []json.RawMessage{},
		RunDefinition:  rec.Definition,
		LogFiles:       map[string]string{},
		SubmittedBy:    currentUser(),
		Error:          rec.Error,
		ExitCode:       rec.ExitCode,
	}
	if !rec.StartedAt.IsZero() {
		t := rec.StartedAt
		d.StartTimeUTC = &t
	}
	if !rec.EndedAt.IsZero() {
		t := rec.EndedAt
		d.EndTimeUTC = &t
	}
	for _, a := range arts {
		if strings.HasPrefix(a.Name, "azureml-logs/") || strings.HasPrefix(a.Name, "logs/") {
			d.LogFiles[a.Name] = r.st.BlobPath(a.SHA256)
		}
	}
	return d, nil
}

// runError builds the *RunError of a failed or canceled run.
func (r *Run) runError(ctx context.Context, d *RunDetails) *RunError {
	e := &RunError{RunID: r.id, Status: d.Status, ExitCode: d.ExitCode}
	var det struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(d.Error, &det) == nil {
		e.Code, e.Message = det.Error.Code, det.Error.Message
	}
	if e.Message == "" {
		e.Message = "The run did not complete."
	}
	var buf bytes.Buffer
	if err := r.copyArtifact(ctx, "azureml-logs/70_driver_log.txt", &buf); err == nil {
		e.LogTail = tailLines(buf.Bytes(), 30)
	}
	if d.Status == StatusFailed && e.ExitCode != nil && *e.ExitCode != 0 {
		e.ScriptError = r.scriptErrorOf(ctx)
	}
	return e
}

// maxScriptLog is how much of the end of a driver log is searched for the script's error.
const maxScriptLog = 256 << 10

// scriptErrorOf returns the script's error (scriptError) from the run's driver logs: the
// driver log, else the first rank's log that shows one; "" when none does.
func (r *Run) scriptErrorOf(ctx context.Context) string {
	arts, err := r.st.Artifacts(ctx, r.id)
	if err != nil {
		return ""
	}
	var names []string
	for _, a := range arts {
		if a.Name == "azureml-logs/70_driver_log.txt" || strings.HasPrefix(a.Name, "azureml-logs/70_driver_log_") && strings.HasSuffix(a.Name, ".txt") {
			names = append(names, a.Name)
		}
	}
	sort.Strings(names) // 70_driver_log.txt sorts before 70_driver_log_<rank>.txt
	for _, name := range names {
		for _, a := range arts {
			if a.Name != name {
				continue
			}
			f, err := r.st.OpenBlob(a.SHA256)
			if err != nil {
				continue
			}
			if a.Size > maxScriptLog {
				_, _ = f.Seek(a.Size-maxScriptLog, io.SeekStart)
			}
			b, _ := io.ReadAll(io.LimitReader(f, maxScriptLog))
			f.Close()
			if exc := scriptError(string(b)); exc != "" {
				return exc
			}
		}
	}
	return ""
}

// tailLines returns the last n lines of b.
func tailLines(b []byte, n int) string {
	b = bytes.TrimRight(b, "\n")
	i := len(b)
	for ; n > 0 && i > 0; n-- {
		j := bytes.LastIndexByte(b[:i], '\n')
		i = j
		if j < 0 {
			i = 0
			break
		}
	}
	if i > 0 {
		i++
	}
	return string(b[i:])
}

// copyArtifact writes the artifact called name to w.
func (r *Run) copyArtifact(ctx context.Context, name string, w io.Writer) error {
	arts, err := r.st.Artifacts(ctx, r.id)
	if err != nil {
		return errorf("experiment: %w", err)
	}
	for _, a := range arts {
		if a.Name != name {
			continue
		}
		f, err := r.st.OpenBlob(a.SHA256)
		if err != nil {
			return errorf("experiment: reading %s: %w", name, err)
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	}
	return fmt.Errorf("%w: run %s has no file %q", ErrNotFound, r.id, name)
}

func indentJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "    ") != nil {
		return string(raw)
	}
	return buf.String()
}
