package hyperdrive

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/testenv"
)

// TestSDKKilledMidSweepThenResumed submits a sweep (8 runs, 2 at a time) from a second
// process, SIGKILLs that process while its first two children run, and resumes the sweep
// here with WaitForCompletion: exactly 8 children, each run once, the first two followed to
// their end rather than launched again. The two other states a death can leave (a
// configuration recorded but not launched; a child recorded but not started) are added by
// hand before resuming: the first is launched with its values, the second ends Canceled.
func TestSDKKilledMidSweepThenResumed(t *testing.T) {
	ctx := testContext(t)
	dir := filepath.Join(t.TempDir(), "ws")
	ws := openWorkspace(t, dir)
	gate := filepath.Join(t.TempDir(), "gate")
	src := writeSource(t, map[string]string{"train.py": trainScript(gate)})

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "HELPER_WS="+dir, "HELPER_SRC="+src, "HELPER_PYTHON="+python(t))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var helperLog testenv.Watch
	cmd.Stderr = &helperLog
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, helperLog.String())
	id := strings.TrimSpace(line)

	// Both first children are launched and wait at the gate: kill the SDK process now.
	helperLog.WaitFor(t, "Successfully scheduled a job. Id='"+id+"_0'", testenv.Patience)
	helperLog.WaitFor(t, "Successfully scheduled a job. Id='"+id+"_1'", testenv.Patience)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.NotContains(t, helperLog.String(), "_2'", "the helper got past the first batch")
	hd, err := GetRun(ctx, ws, id)
	require.NoError(t, err)
	st, err := hd.Run.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, experiment.StatusRunning, st, "the parent is still running after its SDK died")

	// The two other windows a death can fall in, recreated by hand: configuration 2 recorded
	// but its child never launched, and child 3 recorded by Submit but never started.
	recorded, err := hd.Hyperparameters(ctx)
	require.NoError(t, err)
	require.Len(t, recorded, 2)
	taken := map[string]bool{}
	for _, hp := range recorded {
		taken[valueText(hp["lr"])+"/"+valueText(hp["units"])] = true
	}
	var free []string
	for _, lr := range []string{"0.01", "0.1", "0.5", "1"} {
		for _, u := range []string{"8", "16", "32"} {
			if !taken[lr+"/"+u] {
				free = append(free, `{"lr":`+lr+`,"units":`+u+`}`)
			}
		}
	}
	require.NoError(t, hd.Run.SetTags(ctx, map[string]string{id + "_2": free[0], id + "_3": free[1]}))
	require.NoError(t, hd.st.CreateRun(ctx, store.Run{ID: id + "_3", Experiment: hd.Experiment(), Target: "local", ParentID: id, Status: "Preparing", RunType: experiment.ScriptRunType}))
	require.NoError(t, os.WriteFile(gate, nil, 0o644))

	var out testenv.Watch
	details, err := hd.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out})
	require.NoError(t, err, "%s\n%s", out.String(), childrenReport(hd))
	assert.Equal(t, experiment.StatusCompleted, details.Status)
	assert.Contains(t, out.String(), "Resuming the sweep in process")
	assert.Contains(t, out.String(), "Experiment created", "the log is streamed from its start")

	hps, err := hd.Hyperparameters(ctx)
	require.NoError(t, err)
	assert.Len(t, hps, 8)
	configs := map[string]bool{}
	n := 0
	for c, err := range hd.Run.Children(ctx) {
		require.NoError(t, err)
		n++
		var logs strings.Builder
		if c.ID() != id+"_3" {
			require.NoError(t, c.Logs(ctx, &logs, nil))
			assert.Equal(t, 1, strings.Count(logs.String(), "argv "), "child %s ran once", c.ID())
		}
		st, err := c.Status(ctx)
		require.NoError(t, err)
		hp, ok := hps[c.ID()]
		require.True(t, ok, c.ID())
		key := valueText(hp["lr"]) + "/" + valueText(hp["units"])
		assert.False(t, configs[key], "configuration %s ran twice", key)
		configs[key] = true
		if c.ID() == id+"_3" {
			assert.Equal(t, experiment.StatusCanceled, st, "a child that never started is not started later")
			d, err := c.Details(ctx)
			require.NoError(t, err)
			assert.Contains(t, string(d.Error), orphanReason)
			continue
		}
		assert.Equal(t, experiment.StatusCompleted, st, c.ID())
		if c.ID() == id+"_2" {
			assert.Contains(t, logs.String(), "'--lr', '"+valueText(hp["lr"])+"', '--units', '"+valueText(hp["units"])+"'", "launched with its recorded values")
		}
		m, err := c.Metrics(ctx)
		require.NoError(t, err)
		assert.Len(t, m["accuracy"], 3, "every metric of %s once", c.ID())
	}
	assert.Equal(t, 8, n, "exactly max_total_runs children")
	for _, k := range []string{"_0", "_1"} {
		assert.Equal(t, 1, strings.Count(out.String(), "Scheduling job, id='"+id+k+"'"), "child %s launched once", k)
	}
	best, err := hd.BestRunByPrimaryMetric(ctx, nil)
	require.NoError(t, err)
	bestID, _ := bestTableEnd(t, hd)
	assert.Equal(t, best.ID(), bestID, "the table's last row is the best child, across the two processes")
}

// TestSecondProcessFollowsWhileTheFirstDrives waits here on a sweep that a live second process
// drives: this process only follows (the lock is held there), streams the log, and returns
// when that process has ended the sweep; every child is launched once, by the other process.
func TestSecondProcessFollowsWhileTheFirstDrives(t *testing.T) {
	ctx := testContext(t)
	dir := filepath.Join(t.TempDir(), "ws")
	ws := openWorkspace(t, dir)
	gate := filepath.Join(t.TempDir(), "gate")
	src := writeSource(t, map[string]string{"train.py": trainScript(gate)})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "HELPER_WS="+dir, "HELPER_SRC="+src, "HELPER_PYTHON="+python(t))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var helperLog testenv.Watch
	cmd.Stderr = &helperLog
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, helperLog.String())
	hd, err := GetRun(ctx, ws, strings.TrimSpace(line))
	require.NoError(t, err)

	var out testenv.Watch
	waited := make(chan error, 1)
	go func() { _, err := hd.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out}); waited <- err }()
	out.WaitFor(t, "Successfully scheduled a job. Id='"+hd.ID()+"_1'", testenv.Patience)
	require.NoError(t, os.WriteFile(gate, nil, 0o644))
	require.NoError(t, <-waited, out.String())
	require.NoError(t, cmd.Wait(), helperLog.String())
	assert.NotContains(t, out.String(), "Resuming the sweep", "this process never drove the sweep")
	for n := range 8 {
		assert.Equal(t, 1, strings.Count(out.String(), "Scheduling job, id='"+childID(hd.ID(), n)+"'"), "child %d", n)
	}
	assert.Contains(t, out.String(), "The HyperDrive run ended Completed: 8 jobs, 0 failed.")
}
