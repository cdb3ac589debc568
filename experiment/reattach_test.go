package experiment_test

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/workspace"
)

// TestSDKKilledMidRun submits from a second process, kills that process with SIGKILL while the
// run is going, and finishes waiting here: the whole log and every metric arrive, once.
func TestSDKKilledMidRun(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, err := workspace.Open(dir, nil)
	require.NoError(t, err)
	defer ws.Close()
	python(t)
	// After line 3 the script waits for the gate file, which the test creates only once the
	// helper is dead: the helper is killed mid-run however slowly either side goes.
	gate := filepath.Join(t.TempDir(), "gate")
	src := sourceDir(t, map[string]string{"s.py": fmt.Sprintf(`
import os, time
from azureml.core import Run
run = Run.get_context()
for i in range(30):
    print("line", i, flush=True)
    run.log("step", i)
    while i == 3 and not os.path.exists(%q):
        time.sleep(0.02)
print("done")
`, gate)})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=submit-and-wait", "HELPER_WS="+dir, "HELPER_SRC="+src, "HELPER_EXPERIMENT=killed", "HELPER_PYTHON="+python(t))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	helperErr := &syncBuffer{}
	cmd.Stderr = helperErr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, helperErr.String())
	runID := strings.TrimSpace(line)

	// Let the helper stream part of the run, then kill it, then let the run go on.
	require.Eventually(t, func() bool { return strings.Contains(helperErr.String(), "line 3\n") }, testenv.Patience, 5*time.Millisecond,
		"the helper never streamed the run: %s", helperErr)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.NotContains(t, helperErr.String(), "done\n", "the helper was killed before the run ended")
	require.NoError(t, os.WriteFile(gate, nil, 0o644))

	run, err := experiment.GetRun(ctx, ws, runID)
	require.NoError(t, err)
	var out bytes.Buffer
	details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, experiment.StatusCompleted, details.Status)
	for i := range 30 {
		assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("line %d\n", i)), "line %d", i)
	}
	assert.Contains(t, out.String(), "done\n")
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	steps, ok := m["step"].([]any)
	require.True(t, ok, "step metric: %v", m["step"])
	require.Len(t, steps, 30, "every metric once")
	for i, v := range steps {
		assert.Equal(t, float64(i), v)
	}
}

// TestRunEndedWhileNobodyWatched checks that a run that ended with no SDK process watching is
// finalized from its files by the next process that looks at it.
func TestRunEndedWhileNobodyWatched(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, err := workspace.Open(dir, nil)
	require.NoError(t, err)
	exp, err := experiment.New(ws, "unwatched")
	require.NoError(t, err)
	rc := userManaged(t)
	src := sourceDir(t, map[string]string{"s.py": "from azureml.core import Run\nRun.get_context().log('x', 1)\nimport os\nos.makedirs('outputs', exist_ok=True)\nopen('outputs/o.txt','w').write('o')\n"})
	run, err := exp.Submit(ctx, runconfigFor(src, rc), nil)
	require.NoError(t, err)
	id := run.ID()
	require.NoError(t, ws.Close())
	// Wait for the driver to finish without observing through the SDK.
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "runs", id, "azureml-setup", "exit_code"))
		return err == nil
	}, testenv.Patience, 20*time.Millisecond)

	ws2, err := workspace.Open(dir, nil)
	require.NoError(t, err)
	defer ws2.Close()
	again, err := experiment.GetRun(ctx, ws2, id)
	require.NoError(t, err)
	st, err := again.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCompleted, st)
	names, err := again.FileNames(ctx)
	require.NoError(t, err)
	assert.Contains(t, names, "outputs/o.txt")
	m, err := again.Metrics(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1.0, m["x"])
}

// TestDriverVanished checks that a run whose driver died without an exit code ends Failed with a
// clear reason.
func TestDriverVanished(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "vanished")
	require.NoError(t, err)
	src := sourceDir(t, map[string]string{"s.py": "import time\nprint('up', flush=True)\ntime.sleep(60)\n"})
	run, err := exp.Submit(ctx, runconfigFor(src, userManaged(t)), nil)
	require.NoError(t, err)
	rd := filepath.Join(ws.RunsDir(), run.ID(), "azureml-setup")
	var pid, pgid int
	require.Eventually(t, func() bool {
		p, err1 := os.ReadFile(filepath.Join(rd, "pid"))
		g, err2 := os.ReadFile(filepath.Join(rd, "child_pgid"))
		if err1 != nil || err2 != nil {
			return false
		}
		_, e1 := fmt.Sscan(string(p), &pid)
		_, e2 := fmt.Sscan(string(g), &pgid)
		return e1 == nil && e2 == nil
	}, testenv.Patience, 10*time.Millisecond)
	// Kill the driver and the script as a machine crash would: no exit code is written.
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	_, err = run.WaitForCompletion(ctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, experiment.StatusFailed, runErr.Status)
	assert.Contains(t, runErr.Message, "without recording an exit code")
	assert.Equal(t, "SystemError", runErr.Code)
}
