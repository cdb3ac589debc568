package hyperdrive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/workspace"
)

// LogName is the sweep's log, a file of the parent run (azureml's azureml-logs/hyperdrive.txt).
const LogName = "azureml-logs/hyperdrive.txt"

// logPath is where the sweep's log is written while the sweep goes on: the parent's run
// directory in the workspace. When the sweep ends it is stored as the parent's file LogName.
func logPath(ws *workspace.Workspace, parentID string) string {
	return filepath.Join(ws.RunsDir(), parentID, filepath.FromSlash(LogName))
}

// logMu serializes this process's appends, so that records never interleave.
var logMu sync.Mutex

// appendLog appends one record in azureml's format:
// <START>[2026-01-02T15:04:05.123456][COMPONENT][LEVEL]message<END>
func appendLog(ws *workspace.Workspace, parentID, component, level, msg string) error {
	p := logPath(ws, parentID)
	logMu.Lock()
	defer logMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("hyperdrive: writing the sweep's log: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("hyperdrive: writing the sweep's log: %w", err)
	}
	defer f.Close()
	rec := fmt.Sprintf("<START>[%s][%s][%s]%s<END>\n", time.Now().UTC().Format("2006-01-02T15:04:05.000000"), component, level, msg)
	if _, err := f.WriteString(rec); err != nil {
		return fmt.Errorf("hyperdrive: writing the sweep's log: %w", err)
	}
	return nil
}

// logTail copies the sweep's log to a writer as it grows, whole lines only.
type logTail struct {
	path    string
	w       io.Writer
	off     int64
	pending []byte
	err     error // the first error writing to w
}

// write passes b to w unless a write has failed.
func (t *logTail) write(b []byte) {
	if t.err == nil {
		_, t.err = t.w.Write(b)
	}
}

// poll copies what the log gained since the last call.
func (t *logTail) poll() {
	if t.w == nil {
		return
	}
	f, err := os.Open(t.path)
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return
	}
	b, _ := io.ReadAll(f)
	t.off += int64(len(b))
	t.pending = append(t.pending, b...)
	if i := bytes.LastIndexByte(t.pending, '\n'); i >= 0 {
		t.write(t.pending[:i+1])
		t.pending = append(t.pending[:0], t.pending[i+1:]...)
	}
}

// fromArtifact copies the stored log of an ended sweep, from where the tail is. Without it
// (a sweep whose controller failed before storing it), the rest of the live file is copied.
func (t *logTail) fromArtifact(ctx context.Context, h *HyperDriveRun) {
	if t.w == nil {
		return
	}
	var buf bytes.Buffer
	if err := h.Run.Logs(ctx, &buf, &experimentLogs); err != nil {
		t.poll()
		return
	}
	if int64(buf.Len()) > t.off {
		t.write(buf.Bytes()[t.off:])
		t.off = int64(buf.Len())
	}
}

// Logs writes the sweep's log (LogName, the default name) to w: all of it that exists now,
// whole records only, or, with Follow, everything until the sweep ends. While the sweep goes
// on it is read from the workspace, where the controller writes it; once it has ended, from
// the parent's stored file. Other names are the parent's logs (experiment.Run.Logs).
func (h *HyperDriveRun) Logs(ctx context.Context, w io.Writer, opts *experiment.LogsOptions) error {
	var o experiment.LogsOptions
	if opts != nil {
		o = *opts
	}
	if o.Name != "" && o.Name != LogName {
		return h.Run.Logs(ctx, w, &o)
	}
	tail := &logTail{path: logPath(h.ws, h.ID()), w: w}
	for {
		rec, err := h.st.GetRun(ctx, h.ID())
		if err != nil {
			return fmt.Errorf("hyperdrive: %w", err)
		}
		if experiment.Status(rec.Status).Terminal() {
			tail.fromArtifact(ctx, h)
			return tail.writeErr()
		}
		tail.poll()
		if !o.Follow || tail.err != nil {
			return tail.writeErr()
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

// writeErr is the tail's write error, worded for Logs.
func (t *logTail) writeErr() error {
	if t.err != nil {
		return fmt.Errorf("hyperdrive: writing the sweep's log: %w", t.err)
	}
	return nil
}

// experimentLogs selects the sweep's log among the parent's files.
var experimentLogs = experiment.LogsOptions{Name: LogName}
