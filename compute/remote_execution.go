package compute

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/rundir"
	"github.com/amlgo/amlgo/internal/sshx"
)

// defaultRemotePollInterval is the suggested Observe interval of a running job on a VM: each
// observation is a handful of SFTP requests, and a printed line should reach the caller well
// within half a second.
const defaultRemotePollInterval = 100 * time.Millisecond

// aliveRecheck is how long a driver seen alive is taken to be alive without asking again.
const aliveRecheck = time.Second

// remoteState is the persisted form of an execution on a VM (Execution.State).
type remoteState struct {
	Target string `json:"target"`
	RunDir string `json:"runDir"`
	// The driver process on the VM, identified from fork on (pid, start time, boot id).
	driver.Identity
	LaunchedAt time.Time `json:"launchedAt"`
}

// remoteExecution is a job on a VM target, observed over SFTP through its run directory.
type remoteExecution struct {
	d        *DSVM
	st       remoteState
	paths    driver.Paths
	observer *rundir.Observer
}

var (
	_ Execution       = (*remoteExecution)(nil)
	_ OutputCollector = (*remoteExecution)(nil)
	_ RunFileOpener   = (*remoteExecution)(nil)
)

func newRemoteExecution(d *DSVM, st remoteState) *remoteExecution {
	paths := driver.SlashLayout(st.RunDir)
	e := &remoteExecution{d: d, st: st, paths: paths}
	rfs := &rundir.SFTPFS{Conn: d.remote}
	// A live driver is rechecked at most every aliveRecheck: the check only detects a driver
	// killed without recording an exit code, and costs round trips.
	var mu sync.Mutex
	var aliveAt time.Time
	e.observer = &rundir.Observer{FS: rfs, Paths: paths, Driver: st.Identity, ConcurrentReads: true, Alive: func(ctx context.Context) (bool, error) {
		mu.Lock()
		recent := !aliveAt.IsZero() && time.Since(aliveAt) < aliveRecheck
		mu.Unlock()
		if recent {
			return true, nil
		}
		alive, err := rfs.ProcessAlive(ctx, st.Identity, st.RunDir)
		if alive {
			mu.Lock()
			aliveAt = time.Now()
			mu.Unlock()
		}
		return alive, err
	}}
	return e
}

// Reattach resumes observing a run on the VM from its State, e.g. in a new process.
func (d *DSVM) Reattach(_ context.Context, state json.RawMessage) (Execution, error) {
	var st remoteState
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, fmt.Errorf("compute: reading VM execution state: %w", err)
	}
	switch {
	case st.RunDir == "" || !path.IsAbs(st.RunDir):
		return nil, errors.New("compute: VM execution state has no run directory")
	case st.Target != "" && st.Target != d.name:
		return nil, fmt.Errorf("compute: the execution ran on target %q, not %q", st.Target, d.name)
	}
	return newRemoteExecution(d, st), nil
}

// State returns the target, the run directory on the VM and the driver's pid.
func (e *remoteExecution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

// Observe reads the run directory on the VM over SFTP. A dropped connection is re-dialed (with
// backoff, within ctx) and the observation repeated from the same cursor, so nothing is lost or
// repeated; the run on the VM goes on meanwhile.
func (e *remoteExecution) Observe(ctx context.Context, cur Cursor) (*Observation, error) {
	var obs *Observation
	err := e.d.remote.retry(ctx, func(*sshx.Client) error {
		o, err := e.observer.Observe(ctx, toRunDirCursor(cur), e.d.opts.PollInterval)
		obs = fromRunDirObservation(o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return obs, nil
}

// cancelScript asks the driver to stop (kill file) and, when the driver is gone, kills the
// script's process group (only while it is still the group of the driver's session) and records
// the outcome in its place. Arguments: run dir, driver pid, start ticks, boot id (see
// driver.Identity; "-" for unknown parts, an empty start time for pid-only records).
var cancelScript = driver.ProcFuncs + `R=$1 pid=$2 ticks=$3 boot=$4 S=$1/azureml-setup
[ -f "$S/exit_code" ] && exit 0
date -u +%Y-%m-%dT%H:%M:%S.%NZ >"$S/killfile"
if [ -n "$ticks" ]; then
  _amlgo_is "$pid" "$ticks" "$boot" && exit 0
elif [ -r "/proc/$pid/cmdline" ] && tr '\000' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$R"; then
  exit 0 # a record of an earlier version: the pid and the run directory in its command line
fi
pg=$(cat "$S/child_pgid" 2>/dev/null)
case $pg in ''|*[!0-9]*) ;; *) [ "$pg" -gt 1 ] && _amlgo_kill_group KILL "$pg" "$pid" ;; esac
[ -f "$S/exit_code" ] && exit 0
echo canceled >"$S/reason"
date -u +%Y-%m-%dT%H:%M:%S.%NZ >"$S/ended_at"
echo 137 >"$S/exit_code.tmp" && mv -f "$S/exit_code.tmp" "$S/exit_code"
`

// identityArgs are the identity's parts as cancelScript takes them.
func identityArgs(id driver.Identity) []string {
	ticks, boot := "", "-"
	switch {
	case id.GoneAtLaunch:
		ticks = "-"
	case id.StartTicks != 0:
		ticks = strconv.FormatUint(id.StartTicks, 10)
	}
	if id.BootID != "" {
		boot = id.BootID
	}
	return []string{strconv.Itoa(id.PID), ticks, boot}
}

// Cancel creates the kill file the driver on the VM watches; if the driver is gone, the
// script's process group is killed remotely and the outcome recorded in the driver's place.
func (e *remoteExecution) Cancel(ctx context.Context) error {
	args := append([]string{e.st.RunDir}, identityArgs(e.st.Identity)...)
	cmd := "sh -c " + shQuote(cancelScript) + " amlgo-cancel " + sshx.QuoteArgs(args...)
	if _, err := e.d.remote.output(ctx, cmd, nil); err != nil {
		return fmt.Errorf("compute: canceling the run on VM target %q: %w", e.d.name, err)
	}
	return nil
}

// collectScript writes a tar of the run's wd/outputs, wd/logs and azureml-logs to stdout.
const collectScript = `cd "$1" || exit 1
set --
for d in wd/outputs wd/logs azureml-logs; do [ -d "$d" ] && set -- "$@" "$d"; done
[ $# -gt 0 ] || exit 0
exec tar -c -f - -- "$@"
`

// CollectOutputs downloads the script's outputs/ and logs/ and the azureml-logs files from the
// VM (one tar stream) and hands each regular file to put.
func (e *remoteExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	cmd := "sh -c " + shQuote(collectScript) + " amlgo-collect " + shQuote(e.st.RunDir)
	var putErr error
	err := e.d.remote.retry(ctx, func(c *sshx.Client) error {
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- readCollectTar(pr, put)
			_, _ = io.Copy(io.Discard, pr)
		}()
		err := c.Run(ctx, cmd, nil, pw, nil)
		pw.CloseWithError(err)
		putErr = <-done
		if putErr != nil && err == nil {
			return nil // put failed: not a connection problem, do not retry
		}
		return err
	})
	if err == nil {
		err = putErr
	}
	if err != nil {
		return fmt.Errorf("compute: collecting the outputs of the run on VM target %q: %w", e.d.name, err)
	}
	return nil
}

func readCollectTar(r io.Reader, put func(name string, r io.Reader) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		switch {
		case strings.HasPrefix(name, "wd/outputs/"):
			name = strings.TrimPrefix(name, "wd/")
		case strings.HasPrefix(name, "wd/logs/"):
			name = strings.TrimPrefix(name, "wd/")
		case strings.HasPrefix(name, "azureml-logs/"):
		default:
			continue
		}
		if err := put(name, tr); err != nil {
			return err
		}
	}
}

// OpenRunFile opens a file of the run directory on the VM over SFTP; rel must stay inside it.
// Reading resumes at the same offset over a new connection when the connection drops.
func (e *remoteExecution) OpenRunFile(ctx context.Context, rel string) (io.ReadCloser, error) {
	clean := path.Clean(rel)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return nil, fmt.Errorf("compute: run file %q is outside the run directory", rel)
	}
	r := &remoteFileReader{ctx: ctx, h: e.d.remote, name: path.Join(e.st.RunDir, clean)}
	err := e.d.remote.retry(ctx, func(*sshx.Client) error { return r.open() })
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("compute: run file %s: %w", rel, os.ErrNotExist)
		}
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{bufio.NewReaderSize(r, 1<<20), r}, nil
}

// remoteFileReader reads a file on the VM from an offset it keeps, reopening the file over a
// new connection when the connection drops.
type remoteFileReader struct {
	ctx  context.Context
	h    *remoteHost
	name string
	off  int64
	f    *sftp.File
}

func (r *remoteFileReader) open() error {
	s, err := r.h.sftp(r.ctx)
	if err != nil {
		return err
	}
	f, err := s.Open(r.name)
	if err != nil {
		return err
	}
	r.f = f
	return nil
}

// Read implements io.Reader.
func (r *remoteFileReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var eof bool
	err := r.h.retry(r.ctx, func(*sshx.Client) error {
		if r.f == nil {
			if err := r.open(); err != nil {
				return err
			}
		}
		var err error
		n, err = r.f.ReadAt(p, r.off)
		switch {
		case errors.Is(err, io.EOF):
			eof = true
			return nil
		case err != nil:
			_ = r.f.Close()
			r.f = nil
			return err
		}
		return nil
	})
	r.off += int64(n)
	if err != nil {
		return n, err
	}
	if eof && n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Close implements io.Closer.
func (r *remoteFileReader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
