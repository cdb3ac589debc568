package compute

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
)

// maxObserveChunk bounds how many bytes of one file a single Observe returns.
const maxObserveChunk = 4 << 20

// Suggested Observe intervals of a running local job: short, because observing is a few file
// reads and a printed line should reach the caller within 100 ms; shorter still in a job's first
// seconds, so that short runs are seen to end without delay.
const (
	localPollInterval      = 25 * time.Millisecond
	localEarlyPollInterval = 5 * time.Millisecond
	localEarlyPeriod       = 3 * time.Second
)

// localExecution is a job on the local target, observed through its run directory.
type localExecution struct {
	st    localState
	paths driver.Paths
	grace time.Duration
}

var (
	_ Execution       = (*localExecution)(nil)
	_ OutputCollector = (*localExecution)(nil)
	_ RunFileOpener   = (*localExecution)(nil)
)

func newLocalExecution(st localState, grace time.Duration) *localExecution {
	return &localExecution{st: st, paths: driver.Layout(st.RunDir), grace: grace}
}

// State returns the run directory and driver pid.
func (e *localExecution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

// Observe reads the run directory. The exit code is read before the logs, so the observation
// that reports the end also carries the last of the output.
func (e *localExecution) Observe(ctx context.Context, cur Cursor) (*Observation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	obs := &Observation{Next: cur.Clone(), PollAfter: localPollInterval}
	if time.Since(e.st.LaunchedAt) < localEarlyPeriod {
		obs.PollAfter = localEarlyPollInterval
	}
	if err := e.observeStatus(obs); err != nil {
		return nil, err
	}
	if err := e.observeLogs(obs, cur); err != nil {
		return nil, err
	}
	if err := e.observeRecords(obs, cur); err != nil {
		return nil, err
	}
	return obs, nil
}

func (e *localExecution) observeStatus(obs *Observation) error {
	obs.StartedAt = readTime(e.paths.StartedAt)
	code, ok, err := readExitCode(e.paths.ExitCode)
	if err != nil {
		return err
	}
	if !ok {
		switch {
		case processAlive(e.st.PID, e.st.RunDir):
			switch {
			case exists(e.paths.KillFile):
				obs.Status = "CancelRequested"
			case !obs.StartedAt.IsZero():
				obs.Status = "Running"
			default:
				obs.Status = "Starting"
			}
			return nil
		default:
			// The driver may have finished between the two reads.
			if code, ok, err = readExitCode(e.paths.ExitCode); err != nil {
				return err
			}
			if !ok {
				obs.Status = "Failed"
				obs.Reason = fmt.Sprintf("%v: the driver process (pid %d) ended without recording an exit code; it was killed or the machine restarted", ErrExecutionLost, e.st.PID)
				obs.EndedAt = time.Now().UTC()
				obs.SystemError = true
				return nil
			}
		}
	}
	obs.ExitCode = &code
	obs.EndedAt = readTime(e.paths.EndedAt)
	obs.StartedAt = readTime(e.paths.StartedAt)
	reason := strings.TrimSpace(string(readSmall(e.paths.Reason)))
	switch {
	case reason == "canceled":
		obs.Status = "Canceled"
		obs.Reason = "The run was canceled."
	case reason == "timeout":
		obs.Status = "Failed"
		obs.Reason = "The run exceeded its maximum duration (maxRunDurationSeconds) and was stopped."
	case code == 0:
		obs.Status = "Completed"
	case code > 128:
		obs.Status = "Failed"
		obs.Reason = fmt.Sprintf("The script was killed by signal %d (exit code %d).", code-128, code)
	default:
		obs.Status = "Failed"
		obs.Reason = fmt.Sprintf("The script exited with code %d.", code)
	}
	return nil
}

func (e *localExecution) observeLogs(obs *Observation, cur Cursor) error {
	entries, err := os.ReadDir(e.paths.AzureLogs)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("compute: reading logs: %w", err)
	}
	for _, de := range entries {
		if !de.Type().IsRegular() {
			continue
		}
		name := "azureml-logs/" + de.Name()
		off := cur.Logs[name]
		data, err := readFrom(filepath.Join(e.paths.AzureLogs, de.Name()), off, maxObserveChunk)
		if err != nil {
			return err
		}
		if len(data) == 0 {
			continue
		}
		obs.Logs = append(obs.Logs, LogChunk{Name: name, Offset: off, Data: data})
		obs.Next.Logs[name] = off + int64(len(data))
		if len(data) == maxObserveChunk {
			obs.PollAfter = 0
		}
	}
	return nil
}

func (e *localExecution) observeRecords(obs *Observation, cur Cursor) error {
	data, err := readFrom(e.paths.Metrics, cur.Records, maxObserveChunk)
	if err != nil {
		return err
	}
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return nil
	}
	off := cur.Records
	for line := range bytes.SplitSeq(data[:end+1], []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		l := bytes.TrimSpace(line)
		if len(l) > 0 {
			obs.Records = append(obs.Records, Record{Offset: off, Line: json.RawMessage(bytes.Clone(l))})
		}
		off += int64(len(line)) + 1
	}
	obs.Next.Records = cur.Records + int64(end+1)
	return nil
}

// Cancel creates the kill file the driver watches. If the driver is gone, the script's process
// group is killed here and the outcome recorded in the driver's place.
func (e *localExecution) Cancel(ctx context.Context) error {
	if _, done, _ := readExitCode(e.paths.ExitCode); done {
		return nil
	}
	if err := os.WriteFile(e.paths.KillFile, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o600); err != nil {
		return fmt.Errorf("compute: requesting cancel: %w", err)
	}
	if processAlive(e.st.PID, e.st.RunDir) {
		return nil
	}
	if pgid, err := strconv.Atoi(strings.TrimSpace(string(readSmall(e.paths.ChildPGID)))); err == nil && pgid > 1 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	if _, done, _ := readExitCode(e.paths.ExitCode); done {
		return nil
	}
	_ = os.WriteFile(e.paths.Reason, []byte("canceled\n"), 0o600)
	_ = os.WriteFile(e.paths.EndedAt, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o600)
	return writeFileAtomic(e.paths.ExitCode, []byte(strconv.Itoa(128+int(syscall.SIGKILL))+"\n"))
}

// CollectOutputs hands over the script's outputs/ and logs/ and the azureml-logs files.
func (e *localExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	roots := []struct{ dir, prefix string }{
		{e.paths.OutputsDir, "outputs"},
		{e.paths.LogsDir, "logs"},
		{e.paths.AzureLogs, "azureml-logs"},
	}
	for _, root := range roots {
		err := filepath.WalkDir(root.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !d.Type().IsRegular() {
				return nil // directories are walked; links and special files are not collected
			}
			rel, err := filepath.Rel(root.dir, p)
			if err != nil {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return put(root.prefix+"/"+filepath.ToSlash(rel), f)
		})
		if err != nil {
			return fmt.Errorf("compute: collecting %s: %w", root.prefix, err)
		}
	}
	return nil
}

// processAlive reports whether pid is a live (not zombie) driver of runDir.
func processAlive(pid int, runDir string) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist) // no procfs: trust kill(2)
	}
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	return bytes.Contains(cmdline, []byte(runDir)) // guards against a reused pid
}

func readExitCode(path string) (int, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("compute: reading exit code: %w", err)
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false, fmt.Errorf("compute: malformed exit code file %s: %q", path, b)
	}
	return code, true, nil
}

func readTime(path string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(readSmall(path))))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func readSmall(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// readFrom reads up to max bytes of path from off; a missing file reads as empty.
func readFrom(path string, off int64, max int) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	n := fi.Size() - off
	if n <= 0 {
		return nil, nil
	}
	if n > int64(max) {
		n = int64(max)
	}
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("compute: %w", err)
	}
	return buf[:m], nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// OpenRunFile opens a file of the run directory; rel must stay inside it.
func (e *localExecution) OpenRunFile(_ context.Context, rel string) (io.ReadCloser, error) {
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("compute: run file %q is outside the run directory", rel)
	}
	f, err := os.Open(filepath.Join(e.st.RunDir, clean))
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	return f, nil
}
