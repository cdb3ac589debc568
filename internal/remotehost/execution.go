package remotehost

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/pkg/sftp"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/sshx"
)

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

// Cancel creates the kill file the driver of runDir watches; if the driver (id) is gone, the
// script's process group is killed remotely and the outcome recorded in the driver's place.
func (h *Host) Cancel(ctx context.Context, runDir string, id driver.Identity) error {
	args := append([]string{runDir}, identityArgs(id)...)
	cmd := "sh -c " + shQuote(cancelScript) + " amlgo-cancel " + sshx.QuoteArgs(args...)
	if _, err := h.Output(ctx, cmd, nil); err != nil {
		return fmt.Errorf("compute: canceling the run on VM target %q: %w", h.name, err)
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

// Collect downloads the script's outputs/ and logs/ and the azureml-logs files of runDir from
// the VM (one tar stream) and hands each regular file to put, under its artifact name.
func (h *Host) Collect(ctx context.Context, runDir string, put func(name string, r io.Reader) error) error {
	cmd := "sh -c " + shQuote(collectScript) + " amlgo-collect " + shQuote(runDir)
	var putErr error
	err := h.Retry(ctx, func(c *sshx.Client) error {
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
		return fmt.Errorf("compute: collecting the outputs of the run on VM target %q: %w", h.name, err)
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

// OpenRunFile opens a file of runDir on the VM over SFTP; rel must stay inside it. Reading
// resumes at the same offset over a new connection when the connection drops.
func (h *Host) OpenRunFile(ctx context.Context, runDir, rel string) (io.ReadCloser, error) {
	clean := path.Clean(rel)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return nil, fmt.Errorf("compute: run file %q is outside the run directory", rel)
	}
	r := &remoteFileReader{ctx: ctx, h: h, name: path.Join(runDir, clean)}
	err := h.Retry(ctx, func(*sshx.Client) error { return r.open() })
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
	h    *Host
	name string
	off  int64
	f    *sftp.File
}

func (r *remoteFileReader) open() error {
	s, err := r.h.SFTP(r.ctx)
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
	err := r.h.Retry(r.ctx, func(*sshx.Client) error {
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
