package driver

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WrapperScript is the bash wrapper (driver.sh) that supervises a run's command; see the
// package documentation for its invocation and the files it writes. It includes ProcFuncs.
var WrapperScript = []byte(strings.Replace(wrapperSource, procFuncsMark, ProcFuncs, 1))

//go:embed driver.sh
var wrapperSource string

// ProcFuncs are the POSIX sh functions that identify processes by pid and start time
// (_amlgo_stat, _amlgo_identity, _amlgo_is, _amlgo_group_alive, _amlgo_kill_group), shared by
// the wrapper and the SDK's remote launch and cancel scripts so that every side names a driver
// and its process group the same way (see Identity).
//
//go:embed procfuncs.sh
var ProcFuncs string

const procFuncsMark = "# @amlgo-procfuncs@\n"

// DefaultGrace is the time between SIGTERM and SIGKILL when CommandOptions.Grace is zero.
const DefaultGrace = 10 * time.Second

// CommandOptions tunes Paths.Command.
type CommandOptions struct {
	// MaxDuration is the maximum run time of the command, rounded up to whole seconds;
	// zero means no limit. When it expires the wrapper kills the command with reason "timeout".
	MaxDuration time.Duration
	// Grace is the time between SIGTERM and SIGKILL, rounded up to whole seconds. Zero means
	// DefaultGrace; a negative value means no grace (SIGKILL right after SIGTERM).
	Grace time.Duration
}

// WriteWrapper writes WrapperScript to path (mode 0755), creating the parent directory. The
// file is replaced atomically.
func WriteWrapper(path string) error {
	if err := writeFileAtomic(path, WrapperScript, 0o755); err != nil {
		return fmt.Errorf("driver: write wrapper: %w", err)
	}
	return nil
}

// Command returns the argv that starts the wrapper for this run directory:
// bash <Wrapper> <RunDir> <max_seconds|0> <grace_seconds> -- argv...
// The caller starts it detached (own session) with the run's environment.
func (p Paths) Command(argv []string, opts *CommandOptions) []string {
	var o CommandOptions
	if opts != nil {
		o = *opts
	}
	grace := o.Grace
	switch {
	case grace == 0:
		grace = DefaultGrace
	case grace < 0:
		grace = 0
	}
	out := make([]string, 0, 6+len(argv))
	out = append(out, "bash", p.Wrapper, p.RunDir,
		strconv.FormatInt(ceilSeconds(o.MaxDuration), 10),
		strconv.FormatInt(ceilSeconds(grace), 10), "--")
	return append(out, argv...)
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// writeFileAtomic writes data to a temporary file next to path and renames it into place.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, perm)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
