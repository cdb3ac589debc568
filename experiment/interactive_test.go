package experiment_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
)

func TestStartRunIsDrivenByItsProgram(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "interactive")
	require.NoError(t, err)
	src := sourceDir(t, map[string]string{"s.py": "print('hi')\n"})
	parent, err := exp.StartRun(ctx, &experiment.StartRunOptions{
		RunID: "HD_0001", RunType: "hyperdrive", Target: "local", SnapshotDirectory: src,
		Tags: map[string]string{"k": "v"}, Properties: map[string]string{"platform": "AML"},
	})
	require.NoError(t, err)
	assert.Equal(t, "HD_0001", parent.ID())
	assert.Equal(t, "hyperdrive", parent.Type())
	assert.True(t, parent.Interactive())
	st, err := parent.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusRunning, st)
	props, err := parent.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, "AML", props["platform"])
	require.NotEmpty(t, props["ContentSnapshotId"])

	_, err = exp.StartRun(ctx, &experiment.StartRunOptions{RunID: "HD_0001"})
	require.ErrorIs(t, err, experiment.ErrRunExists)
	_, err = exp.StartRun(ctx, &experiment.StartRunOptions{RunID: "../x"})
	require.ErrorIs(t, err, experiment.ErrInvalidConfig)

	// A child on the parent's snapshot, under a chosen id, after the directory is gone.
	require.NoError(t, os.RemoveAll(src))
	child, err := parent.SubmitChild(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: userManaged(t)},
		&experiment.SubmitOptions{RunID: "HD_0001_0", SnapshotID: props["ContentSnapshotId"], Target: fastLocal(t, ws)})
	require.NoError(t, err)
	assert.Equal(t, "HD_0001", child.ParentID())
	assert.Equal(t, experiment.ScriptRunType, child.Type())
	d, err := child.WaitForCompletion(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCompleted, d.Status)
	_, err = parent.SubmitChild(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: userManaged(t)},
		&experiment.SubmitOptions{RunID: "HD_0001_0", SnapshotID: props["ContentSnapshotId"]})
	require.ErrorIs(t, err, experiment.ErrRunExists, "a child id is never used twice")
	_, err = parent.SubmitChild(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "other.py", RunConfig: userManaged(t)},
		&experiment.SubmitOptions{SnapshotID: props["ContentSnapshotId"]})
	require.ErrorContains(t, err, "script other.py is not in snapshot")

	var kids []string
	for c, err := range parent.Children(ctx) {
		require.NoError(t, err)
		kids = append(kids, c.ID())
	}
	assert.Equal(t, []string{"HD_0001_0"}, kids)

	// A file uploaded to the parent.
	f := filepath.Join(t.TempDir(), "hyperdrive.txt")
	require.NoError(t, os.WriteFile(f, []byte("log\n"), 0o644))
	require.NoError(t, parent.UploadFile(ctx, "azureml-logs/hyperdrive.txt", f))
	require.Error(t, parent.UploadFile(ctx, "../escape", f))
	names, err := parent.FileNames(ctx)
	require.NoError(t, err)
	assert.Contains(t, names, "azureml-logs/hyperdrive.txt")

	// Cancel is a request; End finishes.
	require.NoError(t, parent.Cancel(ctx))
	st, err = parent.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCancelRequested, st)
	require.ErrorIs(t, child.End(ctx, experiment.StatusCompleted, ""), experiment.ErrNotInteractive)
	require.Error(t, parent.End(ctx, experiment.StatusRunning, ""))
	require.NoError(t, parent.End(ctx, experiment.StatusCanceled, "Canceled by the user."))
	d, err = parent.Details(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCanceled, d.Status)
	var det struct{ Error struct{ Message string } }
	require.NoError(t, json.Unmarshal(d.Error, &det))
	assert.Equal(t, "Canceled by the user.", det.Error.Message)
}

func TestCancelWithReasonIsTheCanceledRunsMessage(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "cancel-reason")
	require.NoError(t, err)
	gate := filepath.Join(t.TempDir(), "started")
	src := sourceDir(t, map[string]string{"s.py": "import pathlib, time\npathlib.Path(" + pyQuote(gate) + ").touch()\ntime.sleep(600)\n"})
	run, err := exp.Submit(ctx, runconfigFor(src, userManaged(t)), &experiment.SubmitOptions{Target: fastLocal(t, ws)})
	require.NoError(t, err)
	waitForFile(t, gate)
	const reason = "The run was canceled by the early termination policy: its best primary metric 0.1 is below 0.66."
	require.NoError(t, run.CancelWithReason(ctx, reason))
	var e *experiment.RunError
	_, err = run.WaitForCompletion(ctx, nil)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, experiment.StatusCanceled, e.Status)
	assert.Equal(t, reason, e.Message)
}

// waitForFile waits until a script has created path.
func waitForFile(t *testing.T, path string) {
	t.Helper()
	require.Eventually(t, func() bool { _, err := os.Stat(path); return err == nil }, testenv.Patience, 10*time.Millisecond, "%s never appeared", path)
}

// pyQuote is s as a Python string literal.
func pyQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// slowStart is a target whose Start waits for a signal before starting the job.
type slowStart struct {
	compute.ComputeTarget
	starting, proceed chan struct{}
}

func (s *slowStart) Start(ctx context.Context, job *compute.Job) (compute.Execution, error) {
	close(s.starting)
	<-s.proceed
	return s.ComputeTarget.Start(ctx, job)
}

// TestCancelWhileTheTargetStarts cancels a run while its target is starting it: the run stays
// Canceled (Submit does not overwrite it), its script is stopped, and Submit returns only once
// the job has stopped.
func TestCancelWhileTheTargetStarts(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "cancel-while-starting")
	require.NoError(t, err)
	src := sourceDir(t, map[string]string{"s.py": "import time\ntime.sleep(600)\n"})
	target := &slowStart{ComputeTarget: fastLocal(t, ws), starting: make(chan struct{}), proceed: make(chan struct{})}
	type result struct {
		run *experiment.Run
		err error
	}
	submitted := make(chan result, 1)
	go func() {
		r, err := exp.Submit(ctx, runconfigFor(src, userManaged(t)), &experiment.SubmitOptions{RunID: "starting_1", Target: target})
		submitted <- result{r, err}
	}()
	<-target.starting
	run, err := experiment.GetRun(ctx, ws, "starting_1")
	require.NoError(t, err)
	require.NoError(t, run.CancelWithReason(ctx, "Canceled while starting."))
	close(target.proceed)
	res := <-submitted
	require.NoError(t, res.err)
	_, err = os.Stat(filepath.Join(ws.RunsDir(), "starting_1", "azureml-setup", "exit_code"))
	require.NoError(t, err, "Submit returns once the canceled job has stopped")
	var e *experiment.RunError
	wctx, cancel := context.WithTimeout(ctx, testenv.Patience)
	defer cancel()
	_, err = res.run.WaitForCompletion(wctx, nil)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, experiment.StatusCanceled, e.Status)
	assert.Equal(t, "Canceled while starting.", e.Message)
	wd := filepath.Join(ws.RunsDir(), "starting_1", "wd")
	require.Eventually(t, func() bool { return len(processesIn(wd)) == 0 }, testenv.Patience, 20*time.Millisecond, "the script goes on: %v", processesIn(wd))
}

// processesIn lists the pids of the processes whose working directory is dir.
func processesIn(dir string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == dir {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
