package driver

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// repoRoot walks up from the package directory to the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

// sharedDir is ../shared relative to the repo root; the test is skipped when it is absent.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "..", "shared")
	if _, err := os.Stat(filepath.Join(dir, "corpus", "scripts")); err != nil {
		t.Skipf("shared reference directory not available: %v", err)
	}
	return dir
}

func needBash(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		testenv.SkipOrFail(t, "bash not available")
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.SkipOrFail(t, "wrapper tests need /proc")
	}
}

// pythons returns the distinct python3 interpreters available (PATH python3, /usr/bin/python3).
func pythons(t *testing.T) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = p
		}
		if seen[real] {
			continue
		}
		seen[real] = true
		out = append(out, p)
	}
	if len(out) == 0 {
		testenv.SkipOrFail(t, "python3 not available")
	}
	return out
}

func python(t *testing.T) string { return pythons(t)[0] }

// cleanEnv is the test process environment without azureml/amlgo/MLflow run variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AZUREML_") || strings.HasPrefix(kv, "AMLGO_") || strings.HasPrefix(kv, "MLFLOW_") ||
			strings.HasPrefix(kv, "PYTHONPATH=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
}

// runEnv is the environment of a script running in the amlgo run rundir.
func runEnv(p Paths, runID string, extra ...string) []string {
	env := append(cleanEnv(),
		"PYTHONPATH="+p.ShimDir,
		"AMLGO_RUN_DIR="+p.RunDir,
		"AZUREML_RUN_ID="+runID,
		"AZUREML_ARM_PROJECT_NAME=driver-test",
		"AZUREML_ARM_WORKSPACE_NAME=ws",
		"AZUREML_ARM_SUBSCRIPTION=00000000-0000-0000-0000-000000000000",
		"AZUREML_ARM_RESOURCEGROUP=rg",
		"AZUREML_OUTPUT_DIRECTORY=./outputs",
	)
	return append(env, extra...)
}

// newRunDir lays out a fresh run directory with the wrapper and the shim installed.
func newRunDir(t testing.TB) Paths {
	t.Helper()
	p := Layout(filepath.Join(t.TempDir(), "run"))
	require.NoError(t, os.MkdirAll(p.WorkDir, 0o755))
	require.NoError(t, WriteWrapper(p.Wrapper))
	require.NoError(t, InstallShim(p.ShimDir))
	return p
}

// startWrapper starts the wrapper detached (own session), from an unrelated cwd.
func startWrapper(t testing.TB, p Paths, opts *CommandOptions, env []string, argv ...string) *exec.Cmd {
	t.Helper()
	args := p.Command(argv, opts)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = t.TempDir()
	cmd.Env = env
	if cmd.Env == nil {
		cmd.Env = cleanEnv()
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		// Never leave processes behind, even when the test failed half-way: everything in the
		// wrapper's session (the wrapper is its leader) and in the script's group — but only
		// while the wrapper is unreaped: once the test has reaped it, its pid (the session's id)
		// may already lead another parallel test's session, which must not be killed.
		if cmd.ProcessState != nil {
			return
		}
		sid := cmd.Process.Pid
		for _, pid := range sessionMembers(sid) {
			_, pgrp := procStat(pid)
			if pgrp > 1 && pgrp != sid {
				_ = syscall.Kill(-pgrp, syscall.SIGKILL)
			}
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// sessionMembers lists the live processes of session sid.
func sessionMembers(sid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndex(s, ") ")
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+2:])
		if len(f) > 3 && f[0] != "Z" && f[3] == strconv.Itoa(sid) {
			out = append(out, pid)
		}
	}
	return out
}

// waitExit waits for the wrapper process and returns its exit code.
func waitExit(t testing.TB, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return 0
		}
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		return ee.ExitCode()
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		t.Fatalf("wrapper did not exit within %v", limit)
		return -1
	}
}

type wrapperState struct {
	ExitCode  int
	Reason    Reason
	StartedAt time.Time
	EndedAt   time.Time
	PID       int
	ChildPGID int
	Log       string
}

func readState(t testing.TB, p Paths) wrapperState {
	t.Helper()
	var s wrapperState
	b, err := os.ReadFile(p.ExitCode)
	require.NoError(t, err, "exit_code")
	s.ExitCode, err = ParseExitCode(b)
	require.NoError(t, err)
	if b, err := os.ReadFile(p.Reason); err == nil {
		s.Reason, err = ParseReason(b)
		require.NoError(t, err)
	}
	if b, err := os.ReadFile(p.StartedAt); err == nil {
		s.StartedAt, err = ParseTimestamp(b)
		require.NoError(t, err)
	}
	b, err = os.ReadFile(p.EndedAt)
	require.NoError(t, err, "ended_at")
	s.EndedAt, err = ParseTimestamp(b)
	require.NoError(t, err)
	b, err = os.ReadFile(p.PID)
	require.NoError(t, err, "pid")
	s.PID, err = ParsePID(b)
	require.NoError(t, err)
	if b, err := os.ReadFile(p.ChildPGID); err == nil {
		s.ChildPGID, err = ParsePID(b)
		require.NoError(t, err)
	}
	if b, err := os.ReadFile(p.DriverLog); err == nil {
		s.Log = string(b)
	}
	return s
}

// waitFor polls cond every 10 ms until it holds or limit passes.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileContains(path, s string) func() bool {
	return func() bool {
		b, err := os.ReadFile(path)
		return err == nil && bytes.Contains(b, []byte(s))
	}
}

// procStat returns the state letter and process group of pid ("" when it does not exist).
func procStat(pid int) (state string, pgrp int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0
	}
	s := string(b)
	i := strings.LastIndex(s, ") ")
	if i < 0 {
		return "", 0
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 3 {
		return "", 0
	}
	pgrp, _ = strconv.Atoi(f[2])
	return f[0], pgrp
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	st, _ := procStat(pid)
	return st != "" && st != "Z" && st != "X"
}

// groupMembers lists the live (non-zombie) processes of process group pgid.
func groupMembers(t testing.TB, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, pg := procStat(pid); pg == pgid && st != "Z" && st != "X" && st != "" {
			out = append(out, pid)
		}
	}
	return out
}

// readPIDFile reads a pid file, waiting for it to appear (child_pgid is written right after
// the fork, so a fast script may print before it exists).
func readPIDFile(t testing.TB, path string) int {
	t.Helper()
	waitFor(t, testenv.Patience, path, func() bool { _, err := os.Stat(path); return err == nil })
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	pid, err := ParsePID(b)
	require.NoError(t, err)
	return pid
}
