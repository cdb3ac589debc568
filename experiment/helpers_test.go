package experiment_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// openWorkspace opens a fresh local workspace in a temporary directory.
func openWorkspace(t testing.TB) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(filepath.Join(t.TempDir(), "ws"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

// python returns the interpreter the tests run scripts with: python3's real executable, not a
// version-manager shim in front of it (pyenv's shims are shell scripts that add startup time and
// take locks).
func python(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
		if err == nil {
			pythonPath = strings.TrimSpace(string(out))
		}
	})
	if pythonPath == "" {
		testenv.SkipOrFail(t, "python3 not found")
	}
	return pythonPath
}

var (
	pythonOnce sync.Once
	pythonPath string
)

// userManaged returns a run configuration for the local target using python3 as is.
func userManaged(t testing.TB) *runconfig.RunConfiguration {
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python(t)
	return rc
}

// sourceDir writes files (name → content) into a new directory.
func sourceDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

// submitScript submits script as s.py of a new experiment named exp, on fastLocal.
func submitScript(t testing.TB, ws *workspace.Workspace, exp, script string) *experiment.Run {
	t.Helper()
	e, err := experiment.New(ws, exp)
	require.NoError(t, err)
	run, err := e.Submit(context.Background(), runconfig.ScriptRunConfig{
		SourceDirectory: sourceDir(t, map[string]string{"s.py": script}), Script: "s.py", RunConfig: userManaged(t)},
		&experiment.SubmitOptions{Target: fastLocal(t, ws)})
	require.NoError(t, err)
	return run
}

// waitForLine follows the run's log until the script has printed line.
func waitForLine(t *testing.T, run *experiment.Run, line string) {
	t.Helper()
	var out testenv.Watch
	ctx, cancel := context.WithCancel(context.Background())
	followed := make(chan error, 1)
	go func() { followed <- run.Logs(ctx, &out, &experiment.LogsOptions{Follow: true}) }()
	out.WaitFor(t, line+"\n", testenv.Patience)
	cancel()
	<-followed
}

// fastLocal is the local target with a short cancel grace period, for tests.
func fastLocal(t testing.TB, ws *workspace.Workspace) compute.ComputeTarget {
	t.Helper()
	l, err := compute.NewLocal(ws, &compute.LocalOptions{CancelGracePeriod: time.Second})
	require.NoError(t, err)
	return l
}

// processGone reports whether no process of the process group pgid is left.
func processGroupGone(pgid int) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		if pgidOfStat(b) == pgid {
			return false
		}
	}
	return true
}

// pgidOfStat returns the process group of a /proc/<pid>/stat line, or -1 (also for zombies).
func pgidOfStat(stat []byte) int {
	i := len(stat) - 1
	for i >= 0 && stat[i] != ')' {
		i--
	}
	if i < 0 {
		return -1
	}
	var state byte
	var ppid, pgrp int
	if _, err := fmtSscan(string(stat[i+2:]), &state, &ppid, &pgrp); err != nil || state == 'Z' {
		return -1
	}
	return pgrp
}

// runconfigFor is a ScriptRunConfig of s.py in src.
func runconfigFor(src string, rc *runconfig.RunConfiguration) runconfig.ScriptRunConfig {
	return runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc}
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
