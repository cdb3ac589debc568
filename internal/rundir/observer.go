package rundir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
)

// MaxChunk bounds how many bytes of one file a single Observe returns.
const MaxChunk = 4 << 20

// Observer turns the files of a run directory into Observations, the same way for every
// SDK-driven target; only the file system (local files or SFTP) and the liveness check of the
// driver process differ. Reads are by byte offset from the caller's Cursor, so repeating an
// observation (after a dropped connection, or from another process) loses and duplicates
// nothing. Set the exported fields before the first Observe; they are not changed after.
type Observer struct {
	// FS is the file system the run directory lives on.
	FS FS
	// Paths is the run directory's layout on FS.
	Paths driver.Paths
	// Driver identifies the driver process, for messages.
	Driver driver.Identity
	// Alive reports whether the driver process still runs.
	Alive func(ctx context.Context) (bool, error)
	// TerminatedReason, when set, explains a driver that was stopped by a signal from outside
	// amlgo (for example its container stopped by the engine); the default is generic.
	TerminatedReason func(ctx context.Context) string
	// LostReason, when set, explains a driver that is gone without an exit code (for example
	// from its container's state); the default names the driver process.
	LostReason func(ctx context.Context) string
	// ConcurrentReads overlaps independent reads: worth it where each read is a network round
	// trip (SFTP); local file reads are cheaper than the goroutines.
	ConcurrentReads bool

	mu        sync.Mutex
	startedAt time.Time // once read, the start time does not change
	logNames  []string  // the last listing of azureml-logs
	listedAt  time.Time
}

// logListInterval is how long a listing of azureml-logs is reused: listing a directory over
// SFTP costs several round trips, and log files rarely appear.
const logListInterval = time.Second

// Observe reads the run directory: status, logs and records concurrently (over SFTP every read
// is a round trip). When the run has ended, the logs and records are read again afterwards, so
// the observation that reports the end also carries the last of the output.
func (o *Observer) Observe(ctx context.Context, cur Cursor, pollAfter time.Duration) (*Observation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	obs := &Observation{Next: cur.Clone(), PollAfter: pollAfter}
	var out outputDelta
	err := o.parallel(
		func() error { return o.observeStatus(ctx, obs) },
		func() (err error) { out, err = o.observeOutput(ctx, cur, false); return err },
	)
	if err != nil {
		return nil, err
	}
	if obs.ExitCode != nil || obs.SystemError {
		if out, err = o.observeOutput(ctx, cur, true); err != nil {
			return nil, err
		}
	}
	for _, c := range out.logs {
		obs.Logs = append(obs.Logs, c)
		obs.Next.Logs[c.Name] = c.Offset + int64(len(c.Data))
	}
	obs.Records, obs.Next.Records = out.recs, out.recNext
	if out.full {
		obs.PollAfter = 0
	}
	return obs, nil
}

// outputDelta is what the logs and records gained since a cursor.
type outputDelta struct {
	logs    []LogChunk
	recs    []Record
	recNext int64
	full    bool // some file had more than one observation carries
}

func (o *Observer) observeOutput(ctx context.Context, cur Cursor, freshList bool) (outputDelta, error) {
	var d outputDelta
	var logsFull, recsFull bool
	err := o.parallel(
		func() (err error) { d.logs, logsFull, err = o.observeLogs(ctx, cur, freshList); return err },
		func() (err error) { d.recs, d.recNext, recsFull, err = o.observeRecords(ctx, cur); return err },
	)
	d.full = logsFull || recsFull
	return d, err
}

// wellKnownLogs are the logs every run has (once its driver started): a cached listing that
// predates them still includes them.
var wellKnownLogs = []string{path.Base(driver.RelControlLog), path.Base(driver.RelDriverLog)}

// knownLogs returns the logs of the last listing plus the well-known ones (sizes unknown), and
// whether that listing is due for a refresh.
func (o *Observer) knownLogs() ([]FileEntry, bool) {
	o.mu.Lock()
	names, at := o.logNames, o.listedAt
	o.mu.Unlock()
	var files []FileEntry
	for _, n := range names {
		files = append(files, FileEntry{Name: n, Size: -1})
	}
	for _, n := range wellKnownLogs {
		if !slices.Contains(names, n) {
			files = append(files, FileEntry{Name: n, Size: -1}) // a missing file reads as empty
		}
	}
	return files, at.IsZero() || time.Since(at) >= logListInterval
}

// listLogs lists azureml-logs and remembers the names.
func (o *Observer) listLogs(ctx context.Context) ([]FileEntry, error) {
	files, err := o.FS.RegularFiles(ctx, o.Paths.AzureLogs)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	o.mu.Lock()
	o.logNames, o.listedAt = names, time.Now()
	o.mu.Unlock()
	return files, nil
}

// observeLogs reads what the logs gained since cur, the logs concurrently; full reports that a
// log had more than one observation carries. With freshList the directory is listed first;
// otherwise the known logs are read while a due listing is refreshed, and logs it discovers are
// read after.
func (o *Observer) observeLogs(ctx context.Context, cur Cursor, freshList bool) (chunks []LogChunk, full bool, err error) {
	var all []LogChunk
	if freshList {
		files, err := o.listLogs(ctx)
		if err != nil {
			return nil, false, err
		}
		if all, err = o.readLogs(ctx, cur, files); err != nil {
			return nil, false, err
		}
	} else {
		known, due := o.knownLogs()
		var listed []FileEntry
		fns := []func() error{func() (err error) { all, err = o.readLogs(ctx, cur, known); return err }}
		if due {
			fns = append(fns, func() (err error) { listed, err = o.listLogs(ctx); return err })
		}
		if err := o.parallel(fns...); err != nil {
			return nil, false, err
		}
		var extra []FileEntry
		for _, f := range listed {
			if !slices.ContainsFunc(known, func(k FileEntry) bool { return k.Name == f.Name }) {
				extra = append(extra, f)
			}
		}
		more, err := o.readLogs(ctx, cur, extra)
		if err != nil {
			return nil, false, err
		}
		all = append(all, more...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	for _, c := range all {
		if len(c.Data) == 0 {
			continue
		}
		chunks = append(chunks, c)
		full = full || len(c.Data) == MaxChunk
	}
	return chunks, full, nil
}

// readLogs reads files (of azureml-logs) from their cursor offsets, concurrently.
func (o *Observer) readLogs(ctx context.Context, cur Cursor, files []FileEntry) ([]LogChunk, error) {
	all := make([]LogChunk, len(files))
	var fns []func() error
	for i, f := range files {
		name := driver.RelAzureLogs + "/" + f.Name
		off := cur.Logs[name]
		all[i] = LogChunk{Name: name, Offset: off}
		if f.Size >= 0 && f.Size <= off {
			continue // nothing new (as of the listing)
		}
		fns = append(fns, func() error {
			data, err := o.FS.ReadFrom(ctx, o.FS.Join(o.Paths.AzureLogs, f.Name), off, MaxChunk, f.Size)
			all[i].Data = data
			return err
		})
	}
	return all, o.parallel(fns...)
}

// observeRecords reads the metric records completed since cur and the offset after them.
func (o *Observer) observeRecords(ctx context.Context, cur Cursor) (recs []Record, next int64, full bool, err error) {
	data, err := o.FS.ReadFrom(ctx, o.Paths.Metrics, cur.Records, MaxChunk, -1)
	if err != nil {
		return nil, cur.Records, false, err
	}
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return nil, cur.Records, false, nil
	}
	off := cur.Records
	for line := range bytes.SplitSeq(data[:end+1], []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		if l := bytes.TrimSpace(line); len(l) > 0 {
			recs = append(recs, Record{Offset: off, Line: json.RawMessage(bytes.Clone(l))})
		}
		off += int64(len(line)) + 1
	}
	return recs, cur.Records + int64(end+1), len(data) == MaxChunk, nil
}

// parallel runs fns, concurrently when the file system's reads are round trips, and returns
// their errors joined.
func (o *Observer) parallel(fns ...func() error) error {
	if len(fns) == 1 || !o.ConcurrentReads {
		var errs []error
		for _, fn := range fns {
			errs = append(errs, fn())
		}
		return errors.Join(errs...)
	}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (o *Observer) readTime(ctx context.Context, name string) (time.Time, error) {
	b, _, err := o.FS.ReadSmall(ctx, name)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

func (o *Observer) readExitCode(ctx context.Context) (int, bool, error) {
	b, ok, err := o.FS.ReadSmall(ctx, o.Paths.ExitCode)
	if err != nil || !ok {
		return 0, false, err
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false, fmt.Errorf("compute: malformed exit code file %s: %q", o.Paths.ExitCode, b)
	}
	return code, true, nil
}

// started returns the script's start time, zero when it has not started.
func (o *Observer) started(ctx context.Context) (time.Time, error) {
	o.mu.Lock()
	t := o.startedAt
	o.mu.Unlock()
	if !t.IsZero() {
		return t, nil
	}
	t, err := o.readTime(ctx, o.Paths.StartedAt)
	if err == nil && !t.IsZero() {
		o.mu.Lock()
		o.startedAt = t
		o.mu.Unlock()
	}
	return t, err
}

func (o *Observer) observeStatus(ctx context.Context, obs *Observation) error {
	var code int
	var ok bool
	err := o.parallel(
		func() (err error) { obs.StartedAt, err = o.started(ctx); return err },
		func() (err error) { code, ok, err = o.readExitCode(ctx); return err },
	)
	if err != nil {
		return err
	}
	if !ok {
		var alive, killed bool
		err := o.parallel(
			func() (err error) { alive, err = o.Alive(ctx); return err },
			func() (err error) { killed, err = o.FS.Exists(ctx, o.Paths.KillFile); return err },
		)
		if err != nil {
			return err
		}
		if alive {
			switch {
			case killed:
				obs.Status = "CancelRequested"
			case !obs.StartedAt.IsZero():
				obs.Status = "Running"
			default:
				obs.Status = "Starting"
			}
			return nil
		}
		// The driver may have finished between the two reads.
		if code, ok, err = o.readExitCode(ctx); err != nil {
			return err
		}
		if !ok {
			obs.Status = "Failed"
			obs.Reason = fmt.Sprintf("%v: the driver process (%s) ended without recording an exit code; it was killed or the machine restarted", ErrExecutionLost, o.Driver)
			if o.LostReason != nil {
				obs.Reason = fmt.Sprintf("%v: %s", ErrExecutionLost, o.LostReason(ctx))
			}
			obs.EndedAt = time.Now().UTC()
			obs.SystemError = true
			return nil
		}
	}
	obs.ExitCode = &code
	var reasonBytes []byte
	err = o.parallel(
		func() (err error) { obs.EndedAt, err = o.readTime(ctx, o.Paths.EndedAt); return err },
		func() (err error) { obs.StartedAt, err = o.started(ctx); return err },
		func() (err error) { reasonBytes, _, err = o.FS.ReadSmall(ctx, o.Paths.Reason); return err },
	)
	if err != nil {
		return err
	}
	switch reason := strings.TrimSpace(string(reasonBytes)); {
	case reason == "canceled":
		obs.Status = "Canceled"
		obs.Reason = "The run was canceled."
	case reason == "terminated":
		obs.Status = "Failed"
		obs.SystemError = true
		obs.Reason = "The driver was stopped by a signal from outside amlgo (SIGTERM or SIGINT: its machine or container was " +
			"shut down, or it was killed); the script was stopped."
		if o.TerminatedReason != nil {
			obs.Reason = o.TerminatedReason(ctx)
		}
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
