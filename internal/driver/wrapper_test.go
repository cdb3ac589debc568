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

func TestWrapperNoOpIsFast(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	start := time.Now()
	cmd := startWrapper(t, p, nil, nil, "true")
	require.Equal(t, 0, waitExit(t, cmd, 10*time.Second))
	wall := time.Since(start)
	s := readState(t, p)
	assert.Equal(t, 0, s.ExitCode)
	assert.Equal(t, ReasonNone, s.Reason)
	assert.Equal(t, cmd.Process.Pid, s.PID)
	assert.NotZero(t, s.ChildPGID)
	assert.False(t, s.EndedAt.Before(s.StartedAt), "ended_at %v before started_at %v", s.EndedAt, s.StartedAt)
	// started_at is written before the fork, ended_at after the reap: for `true` the gap is
	// the fast path (no sleeps). Generous bound for a loaded 2-core machine.
	gap := s.EndedAt.Sub(s.StartedAt)
	t.Logf("started->ended %v, whole wrapper %v", gap, wall)
	assert.Less(t, gap, 250*time.Millisecond)
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
			assert.Equal(t, c.want, waitExit(t, cmd, 10*time.Second))
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
	assert.Equal(t, 127, waitExit(t, cmd, 10*time.Second))
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
	require.Equal(t, 0, waitExit(t, cmd, 20*time.Second))
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
	require.Equal(t, 0, waitExit(t, cmd, 20*time.Second))
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
	require.Equal(t, 0, waitExit(t, cmd, 10*time.Second))
	s := readState(t, p)
	f := strings.Fields(s.Log)
	require.Len(t, f, 2, "log %q", s.Log)
	assert.Equal(t, fmt.Sprint(s.ChildPGID), f[0])
	assert.Equal(t, f[0], f[1])
	assert.NotEqual(t, s.PID, s.ChildPGID)
}

// cancelScript starts a grandchild, records its pid, says ready and waits.
const cancelScript = `sleep 1000 & echo $! > grandchild.pid; echo ready; wait`

func TestWrapperCancelKillsWholeGroup(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, &CommandOptions{Grace: 5 * time.Second}, nil, "bash", "-c", cancelScript)
	waitFor(t, 10*time.Second, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))
	require.True(t, alive(gc))
	_, gcGroup := procStat(gc)
	require.Equal(t, pgid, gcGroup, "grandchild is in the script's group")

	canceledAt := time.Now()
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 143, waitExit(t, cmd, 10*time.Second))
	took := time.Since(canceledAt)
	s := readState(t, p)
	assert.Equal(t, 143, s.ExitCode)
	assert.Equal(t, ReasonCanceled, s.Reason)
	assert.Less(t, took, 3*time.Second, "SIGTERM is enough: no wait for the grace period")
	assert.False(t, alive(gc), "grandchild %d survived", gc)
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperSigkillAfterGrace(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	script := `trap 'echo got TERM' TERM; sleep 1000 & echo $! > grandchild.pid; echo ready; while :; do sleep 0.05; done`
	cmd := startWrapper(t, p, &CommandOptions{Grace: time.Second}, nil, "bash", "-c", "trap '' TERM; "+script)
	waitFor(t, 10*time.Second, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))

	canceledAt := time.Now()
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 137, waitExit(t, cmd, 15*time.Second))
	took := time.Since(canceledAt)
	s := readState(t, p)
	assert.Equal(t, 137, s.ExitCode)
	assert.Equal(t, ReasonCanceled, s.Reason)
	assert.GreaterOrEqual(t, took, 900*time.Millisecond, "SIGKILL only after the grace period")
	assert.Less(t, took, 6*time.Second)
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
	waitFor(t, 10*time.Second, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	gc := readPIDFile(t, filepath.Join(p.WorkDir, "grandchild.pid"))
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 143, waitExit(t, cmd, 15*time.Second))
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
	cmd := startWrapper(t, p, &CommandOptions{MaxDuration: time.Second, Grace: 5 * time.Second}, nil,
		"bash", "-c", cancelScript)
	assert.Equal(t, 143, waitExit(t, cmd, 15*time.Second))
	took := time.Since(start)
	s := readState(t, p)
	assert.Equal(t, ReasonTimeout, s.Reason)
	assert.Equal(t, 143, s.ExitCode)
	assert.GreaterOrEqual(t, took, time.Second)
	assert.Less(t, took, 5*time.Second)
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
	assert.Equal(t, 4, waitExit(t, cmd, 10*time.Second))
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
	waitFor(t, 10*time.Second, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	require.NoError(t, syscall.Kill(-pgid, syscall.SIGSTOP))
	time.Sleep(200 * time.Millisecond)
	_, err := os.Stat(p.ExitCode)
	require.True(t, os.IsNotExist(err), "a stopped script is not an exited one")
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	assert.Equal(t, 143, waitExit(t, cmd, 10*time.Second))
	assert.Equal(t, ReasonCanceled, readState(t, p).Reason)
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperKillfileBeforeStart(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	require.NoError(t, os.WriteFile(p.KillFile, nil, 0o644))
	cmd := startWrapper(t, p, nil, nil, "bash", "-c", "touch ran")
	assert.Equal(t, 143, waitExit(t, cmd, 10*time.Second))
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
	cmd := startWrapper(t, p, nil, nil, "bash", "-c", "sleep 0.3")
	waitFor(t, 5*time.Second, "started_at", func() bool { _, err := os.Stat(p.StartedAt); return err == nil })
	for _, f := range []string{p.ExitCode, p.EndedAt, p.Reason} {
		_, err := os.Stat(f)
		assert.True(t, os.IsNotExist(err), "%s removed at start", f)
	}
	assert.Equal(t, 0, waitExit(t, cmd, 10*time.Second))
	assert.Equal(t, ReasonNone, readState(t, p).Reason)
}

func TestWrapperSigtermToWrapperCancels(t *testing.T) {
	needBash(t)
	t.Parallel()
	p := newRunDir(t)
	cmd := startWrapper(t, p, &CommandOptions{Grace: 5 * time.Second}, nil, "bash", "-c", cancelScript)
	waitFor(t, 10*time.Second, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	assert.Equal(t, 143, waitExit(t, cmd, 10*time.Second))
	s := readState(t, p)
	assert.Equal(t, 143, s.ExitCode)
	assert.Equal(t, ReasonCanceled, s.Reason)
	assert.Empty(t, groupMembers(t, pgid))
}

func TestWrapperSurvivesItsParent(t *testing.T) {
	needBash(t)
	if _, err := exec.LookPath("setsid"); err != nil {
		testenv.SkipOrFail(t, "setsid not available")
	}
	t.Parallel()
	p := newRunDir(t)
	args := p.Command([]string{"bash", "-c", "echo started; sleep 1; echo finished"}, nil)
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
	waitFor(t, 10*time.Second, "started", fileContains(p.DriverLog, "started"))
	require.NoError(t, launcher.Process.Kill())
	_ = launcher.Wait()

	require.True(t, alive(wrapperPID), "wrapper died with its parent")
	waitFor(t, 15*time.Second, "exit_code", func() bool { _, err := os.Stat(p.ExitCode); return err == nil })
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
	require.Equal(t, 0, waitExit(t, cmd, 10*time.Second))
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
	waitFor(t, 10*time.Second, "ready", fileContains(p.DriverLog, "ready"))
	pgid := readPIDFile(t, p.ChildPGID)
	require.NotEmpty(t, groupMembers(t, pgid))
	// The watcher is forked right after child_pgid is written: wait for it (a child of the
	// wrapper outside the script's group).
	waitFor(t, 10*time.Second, "the watcher", func() bool {
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
	_ = waitExit(t, cmd, 10*time.Second)
	waitFor(t, 20*time.Second, "the script's group to be gone", func() bool { return len(groupMembers(t, pgid)) == 0 })
	_, err := os.Stat(p.ExitCode)
	assert.True(t, os.IsNotExist(err), "no exit code: the driver did not see the script end")
	_, err = os.Stat(p.Reason)
	assert.True(t, os.IsNotExist(err), "no reason file")
}
