package driver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// TestWrapperNoOp checks what the wrapper records for a command that does nothing. How fast it
// does so is measured by BenchmarkWrapperNoOp.
func TestWrapperNoOp(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	start := time.Now()
	cmd := startWrapper(t, p, nil, nil, "true")
	require.Equal(t, 0, waitExit(t, cmd, testenv.Patience))
	wall := time.Since(start)
	s := readState(t, p)
	assert.Equal(t, 0, s.ExitCode)
	assert.Equal(t, ReasonNone, s.Reason)
	assert.Equal(t, cmd.Process.Pid, s.PID)
	assert.NotZero(t, s.ChildPGID)
	assert.False(t, s.EndedAt.Before(s.StartedAt), "ended_at %v before started_at %v", s.EndedAt, s.StartedAt)
	// started_at is written before the fork, ended_at after the reap. Nothing is left in the
	// group, so the wrapper takes the fast path: it neither waits for the watcher's grace
	// period (DefaultGrace, 10 s here) nor escalates. Only that is asserted, with room for a
	// loaded machine; the fast path's speed is BenchmarkWrapperNoOp's business.
	gap := s.EndedAt.Sub(s.StartedAt)
	t.Logf("started->ended %v, whole wrapper %v", gap, wall)
	assert.Less(t, gap, DefaultGrace/2, "a clean exit does not wait for the grace period")
	for _, d := range []string{p.OutputsDir, p.LogsDir} {
		st, err := os.Stat(d)
		require.NoError(t, err)
		assert.True(t, st.IsDir())
	}
	// no temporary files left behind
	entries, err := os.ReadDir(p.SetupDir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".tmp")
	}
}

func TestWrapperExitCodesAndCwd(t *testing.T) {
	needBash(t)
	t.Parallel()
	cases := []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"kill -USR1 $$", 128 + int(syscall.SIGUSR1)},
		{"kill -KILL $$", 128 + int(syscall.SIGKILL)},
		{"kill -TERM $$", 128 + int(syscall.SIGTERM)},
	}
	for _, c := range cases {
		t.Run(c.script, func(t *testing.T) {
			p := newRunDir(t)
			cmd := startWrapper(t, p, nil, nil, "bash", "-c", "pwd > cwd.txt; "+c.script)
			assert.Equal(t, c.want, waitExit(t, cmd, testenv.Patience))
			s := readState(t, p)
			assert.Equal(t, c.want, s.ExitCode)
			assert.Equal(t, ReasonNone, s.Reason)
			cwd, err := os.ReadFile(filepath.Join(p.WorkDir, "cwd.txt"))
			require.NoError(t, err)
			wantWD, _ := filepath.EvalSymlinks(p.WorkDir)
			assert.Equal(t, wantWD, strings.TrimSpace(string(cwd)))
		})
	}
}

func TestWrapperCommandNotFound(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, nil, nil, "amlgo-no-such-command-xyz")
	assert.Equal(t, 127, waitExit(t, cmd, testenv.Patience))
	s := readState(t, p)
	assert.Equal(t, 127, s.ExitCode)
	assert.Contains(t, s.Log, "amlgo-no-such-command-xyz")
}

func TestWrapperUsageErrors(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	for _, args := range [][]string{
		{p.RunDir, "0", "1", "true"},        // no --
		{p.RunDir, "x", "1", "--", "true"},  // bad max
		{p.RunDir, "0", "-1", "--", "true"}, // bad grace
		{p.RunDir, "0", "1", "--"},          // no command
	} {
		cmd := exec.Command("bash", append([]string{p.Wrapper}, args...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "args %q", args)
		assert.Equal(t, 2, ee.ExitCode())
		assert.Contains(t, string(out), "usage:")
	}
	_, err := os.Stat(p.ExitCode)
	assert.True(t, os.IsNotExist(err))
}

func TestWrapperInterleavesStdoutAndStderr(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	script := `for i in $(seq 1 200); do echo "out $i"; echo "err $i" >&2; done`
	cmd := startWrapper(t, p, nil, nil, "bash", "-c", script)
	require.Equal(t, 0, waitExit(t, cmd, testenv.Patience))
	var want strings.Builder
	for i := 1; i <= 200; i++ {
		fmt.Fprintf(&want, "out %d\nerr %d\n", i, i)
	}
	assert.Equal(t, want.String(), readState(t, p).Log)

	// python with unbuffered output, through the same fd
	py := python(t)
	p2 := newRunDir(t)
	cmd = startWrapper(t, p2, nil, cleanEnv(), py, "-c",
		"import sys\nfor i in range(50):\n    print('o', i)\n    print('e', i, file=sys.stderr)\n")
	require.Equal(t, 0, waitExit(t, cmd, testenv.Patience))
	want.Reset()
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&want, "o %d\ne %d\n", i, i)
	}
	assert.Equal(t, want.String(), readState(t, p2).Log)
}

func TestWrapperOwnProcessGroup(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	// The script reports its own pgid; it must be its pid (group leader) = child_pgid.
	cmd := startWrapper(t, p, nil, nil, "bash", "-c", `echo "$$ $(ps -o pgid= -p $$ 2>/dev/null || awk '{print $5}' /proc/$$/stat)"`)
	require.Equal(t, 0, waitExit(t, cmd, testenv.Patience))
	s := readState(t, p)
	f := strings.Fields(s.Log)
	require.Len(t, f, 2, "log %q", s.Log)
	assert.Equal(t, fmt.Sprint(s.ChildPGID), f[0])
	assert.Equal(t, f[0], f[1])
	assert.NotEqual(t, s.PID, s.ChildPGID)
}

// cancelScript starts a grandchild, records its pid, says ready and waits.
const cancelScript = `sleep 1000 & echo $! > grandchild.pid; echo ready; wait`

// longGrace is a grace period that tests assert is not waited for: long enough that "well
// under it" leaves room for a loaded machine.
const longGrace = 60 * time.Second

func TestWrapperCancelKillsWholeGroup(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, &CommandOptions{Grace: longGrace}, nil, "bash", "-c", cancelScript)
	waitFor(t, testenv.Patience, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))
	require.True(t, alive(gc))
	_, gcGroup := procStat(gc)
	require.Equal(t, pgid, gcGroup, "grandchild is in the script's group")

	canceledAt := time.Now()
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 143, waitExit(t, cmd, testenv.Patience))
	took := time.Since(canceledAt)
	s := readState(t, p)
	assert.Equal(t, 143, s.ExitCode)
	assert.Equal(t, ReasonCanceled, s.Reason)
	assert.Less(t, took, longGrace/2, "SIGTERM is enough: no wait for the grace period")
	assert.False(t, alive(gc), "grandchild %d survived", gc)
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperSigkillAfterGrace(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	script := `trap 'echo got TERM' TERM; sleep 1000 & echo $! > grandchild.pid; echo ready; while :; do sleep 0.05; done`
	cmd := startWrapper(t, p, &CommandOptions{Grace: time.Second}, nil, "bash", "-c", "trap '' TERM; "+script)
	waitFor(t, testenv.Patience, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))

	canceledAt := time.Now()
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 137, waitExit(t, cmd, testenv.Patience))
	took := time.Since(canceledAt)
	s := readState(t, p)
	assert.Equal(t, 137, s.ExitCode)
	assert.Equal(t, ReasonCanceled, s.Reason)
	assert.GreaterOrEqual(t, took, 900*time.Millisecond, "SIGKILL only after the grace period")
	// The script ignores TERM for ever: only the SIGKILL after the 1 s grace ends it. The
	// bound tells the configured grace from the 10 s default, with 9 s to spare for load.
	assert.Less(t, took, DefaultGrace, "SIGKILL once the 1 s grace period is over")
	assert.False(t, alive(gc), "grandchild %d (ignoring TERM) survived", gc)
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperLeaderExitsOnTermButChildIgnoresIt(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	// The grandchild ignores TERM; the leader dies on TERM at once. The grandchild must still
	// get SIGKILL after the grace period, before exit_code appears.
	script := `(trap '' TERM; exec sleep 1000) & echo $! > grandchild.pid; echo ready; wait`
	cmd := startWrapper(t, p, &CommandOptions{Grace: time.Second}, nil, "bash", "-c", script)
	waitFor(t, testenv.Patience, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 143, waitExit(t, cmd, testenv.Patience))
	s := readState(t, p)
	assert.Equal(t, ReasonCanceled, s.Reason)
	assert.False(t, alive(gc))
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperTimeout(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	start := time.Now()
	cmd := startWrapper(t, p, &CommandOptions{MaxDuration: time.Second, Grace: longGrace}, nil,
		"bash", "-c", cancelScript)
	assert.Equal(t, 143, waitExit(t, cmd, testenv.Patience))
	took := time.Since(start)
	s := readState(t, p)
	assert.Equal(t, ReasonTimeout, s.Reason)
	assert.Equal(t, 143, s.ExitCode)
	assert.GreaterOrEqual(t, took, time.Second)
	// The script would wait for its `sleep 1000`; it dies on the TERM of the 1 s timeout,
	// without the grace period being waited for.
	assert.Less(t, took, longGrace/2)
	assert.GreaterOrEqual(t, s.EndedAt.Sub(s.StartedAt), 950*time.Millisecond)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))
	assert.False(t, alive(gc))
}

func TestWrapperLeftoverProcessesAreKilledOnNormalExit(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, &CommandOptions{Grace: 5 * time.Second}, nil,
		"bash", "-c", `sleep 1000 & echo $! > grandchild.pid; exit 4`)
	assert.Equal(t, 4, waitExit(t, cmd, testenv.Patience))
	s := readState(t, p)
	assert.Equal(t, 4, s.ExitCode)
	assert.Equal(t, ReasonNone, s.Reason)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))
	assert.False(t, alive(gc))
	assert.Empty(t, groupMembers(t, s.ChildPGID))
}

func TestWrapperCancelStoppedScript(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, &CommandOptions{Grace: 5 * time.Second}, nil, "bash", "-c", cancelScript)
	waitFor(t, testenv.Patience, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	require.NoError(t, syscall.Kill(-pgid, syscall.SIGSTOP))
	waitFor(t, testenv.Patience, "the script's group to stop", func() bool {
		for _, pid := range groupMembers(t, pgid) {
			if st, _ := procStat(pid); st != "T" {
				return false
			}
		}
		return true
	})
	// A negative check: nothing signals that the wrapper has taken the stop for an exit, so
	// give it a moment (its SIGCHLD is handled within milliseconds) and look for exit_code.
	time.Sleep(200 * time.Millisecond)
	_, err := os.Stat(p.ExitCode)
	require.True(t, os.IsNotExist(err), "a stopped script is not an exited one")
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 143, waitExit(t, cmd, testenv.Patience))
	assert.Equal(t, ReasonCanceled, readState(t, p).Reason)
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperKillfileBeforeStart(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	cmd := startWrapper(t, p, nil, nil, "bash", "-c", "touch ran")
	assert.Equal(t, 143, waitExit(t, cmd, testenv.Patience))
	s := readState(t, p)
	assert.Equal(t, ReasonCanceled, s.Reason)
	assert.True(t, s.StartedAt.IsZero(), "never started")
	_, err := os.Stat(filepath.Join(p.WorkDir, "ran"))
	assert.True(t, os.IsNotExist(err))
}

func TestWrapperStaleStateIsCleared(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	for _, f := range []string{p.ExitCode, p.EndedAt, p.Reason} {
		require.NoError(t, os.WriteFile(f, []byte("junk\n"), 0o644))
	}
	// The script runs until the test has looked: it cannot end (and write new state files)
	// before then, however late the test gets to look.
	cmd := startWrapper(t, p, nil, nil, "bash", "-c", "echo running; until [ -e release ]; do sleep 0.02; done")
	waitFor(t, testenv.Patience, "the script", fileContains(p.DriverLog, "running"))
	for _, f := range []string{p.ExitCode, p.EndedAt, p.Reason} {
		_, err := os.Stat(f)
		assert.True(t, os.IsNotExist(err), "%s removed at start", f)
	}
	require.NoError(t, os.WriteFile(filepath.Join(p.WorkDir, "release"), nil, 0o644))
	assert.Equal(t, 0, waitExit(t, cmd, testenv.Patience))
	assert.Equal(t, ReasonNone, readState(t, p).Reason)
}

// TestWrapperSigtermToWrapperStopsTheScript: SIGTERM to the wrapper (its container stopped, the
// machine shutting down) stops the script like a cancel, but is recorded as terminated, not as
// a cancel nobody asked for.
func TestWrapperSigtermToWrapperStopsTheScript(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, &CommandOptions{Grace: 5 * time.Second}, nil, "bash", "-c", cancelScript)
	waitFor(t, testenv.Patience, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	assert.Equal(t, 143, waitExit(t, cmd, testenv.Patience))
	s := readState(t, p)
	assert.Equal(t, 143, s.ExitCode)
	assert.Equal(t, ReasonTerminated, s.Reason)
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperSurvivesItsParent(t *testing.T) {
	needBash(t)
	if _, err := exec.LookPath("setsid"); err != nil {
		testenv.SkipOrFail(t, "setsid not available")
	}
	t.Parallel()
	p := newRunDir(t)
	// The script finishes only once the test releases it, after its parent is gone.
	args := p.Command([]string{"bash", "-c", "echo started; until [ -e release ]; do sleep 0.02; done; echo finished"}, nil)
	// The intermediate parent starts the wrapper detached and then dies (SIGKILL).
	launcher := exec.Command("bash", "-c", `setsid "$@" </dev/null >/dev/null 2>&1 & echo $! ; wait`, "launcher")
	launcher.Args = append(launcher.Args, args...)
	launcher.Env = cleanEnv()
	out, err := launcher.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, launcher.Start())
	var wrapperPID int
	_, err = fmt.Fscan(out, &wrapperPID)
	require.NoError(t, err)
	waitFor(t, testenv.Patience, "started", fileContains(p.DriverLog, "started"))
	require.NoError(t, launcher.Process.Kill())
	_ = launcher.Wait()

	require.True(t, alive(wrapperPID), "wrapper died with its parent")
	require.NoError(t, os.WriteFile(filepath.Join(p.WorkDir, "release"), nil, 0o644))
	waitFor(t, testenv.Patience, "exit_code", func() bool { _, err := os.Stat(p.ExitCode); return err == nil })
	s := readState(t, p)
	assert.Equal(t, 0, s.ExitCode)
	assert.Equal(t, wrapperPID, s.PID)
	assert.Equal(t, "started\nfinished\n", s.Log)
	// own session: the wrapper is its own session and group leader
	st, pgrp := procStat(wrapperPID)
	if st != "" {
		assert.Equal(t, wrapperPID, pgrp)
	}
}

func TestWrapperRunDirWithSpacesAndRelativePath(t *testing.T) {
	needBash(t)
	t.Parallel()
	base := t.TempDir()
	p := Layout(filepath.Join("my run", "dir"))
	abs := Layout(filepath.Join(base, "my run", "dir"))
	require.NoError(t, WriteWrapper(abs.Wrapper))
	args := p.Command([]string{"bash", "-c", `echo "in $PWD"`}, nil)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = base // the relative rundir is resolved against the caller's cwd
	cmd.Env = cleanEnv()
	require.NoError(t, cmd.Run())
	s := readState(t, abs)
	assert.Equal(t, 0, s.ExitCode)
	wd, _ := filepath.EvalSymlinks(abs.WorkDir)
	assert.Equal(t, "in "+wd+"\n", s.Log)
}

func TestWrapperScriptStartsWithDefaultSignalDispositions(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, nil, nil, "cat", "/proc/self/status")
	require.Equal(t, 0, waitExit(t, cmd, testenv.Patience))
	log := readState(t, p).Log
	var sigIgn string
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "SigIgn:") {
			sigIgn = strings.TrimSpace(strings.TrimPrefix(line, "SigIgn:"))
		}
	}
	require.NotEmpty(t, sigIgn, log)
	assert.Equal(t, strings.Repeat("0", len(sigIgn)), sigIgn, "no signal is ignored by the script")
}

// When the wrapper itself is killed (SIGKILL: no trap runs), its watcher stops the script's
// whole group, so nothing trains on unsupervised; no exit code is written, and the SDK reports
// the run lost.
func TestWrapperKilledStopsTheScript(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, &CommandOptions{Grace: time.Second}, nil, "bash", "-c", "sleep 300 & echo ready; wait")
	waitFor(t, testenv.Patience, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	require.NotEmpty(t, groupMembers(t, pgid))
	// The watcher is forked right after child_pgid is written: wait for it (a child of the
	// wrapper outside the script's group).
	waitFor(t, testenv.Patience, "the watcher", func() bool {
		for _, pid := range sessionMembers(cmd.Process.Pid) {
			b, err := os.ReadFile(ProcStatPath(pid))
			if err != nil {
				continue
			}
			if st, err := ParseProcStat(b); err == nil && st.PPID == cmd.Process.Pid && st.PGRP != pgid {
				return true
			}
		}
		return false
	})
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = waitExit(t, cmd, testenv.Patience)
	waitFor(t, testenv.Patience, "the script's group to be gone", func() bool { return len(groupMembers(t, pgid)) == 0 })
	_, err := os.Stat(p.ExitCode)
	assert.True(t, os.IsNotExist(err), "no exit code: the driver did not see the script end")
	_, err = os.Stat(p.Reason)
	assert.True(t, os.IsNotExist(err), "no reason file")
}
