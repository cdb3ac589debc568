package compute_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
	"github.com/amlgo/amlgo/workspace"
)

func openWorkspace(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(filepath.Join(t.TempDir(), "ws"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

// job builds a job running script from a fresh source directory.
func job(t *testing.T, id, script string, rc *runconfig.RunConfiguration) *compute.Job {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.py"), []byte(script), 0o644))
	snap, err := snapshot.Take(context.Background(), dir, nil)
	require.NoError(t, err)
	if rc == nil {
		rc = runconfig.New()
		rc.Environment.Python.UserManagedDependencies = true
		rc.Environment.Python.InterpreterPath = "python3"
	}
	rc.Script = "s.py"
	return &compute.Job{
		RunID: id, Experiment: "exp", Workspace: "ws", RunConfig: rc, Snapshot: snap,
		OpenFile: func(f snapshot.File) (io.ReadCloser, error) {
			return os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		},
	}
}

// follow observes exec until it ends, returning the last observation, the driver log and the
// records.
func follow(t *testing.T, exec compute.Execution) (*compute.Observation, string, []compute.Record) {
	t.Helper()
	var cur compute.Cursor
	var log bytes.Buffer
	var recs []compute.Record
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		obs, err := exec.Observe(context.Background(), cur)
		require.NoError(t, err)
		for _, c := range obs.Logs {
			if c.Name == "azureml-logs/70_driver_log.txt" {
				require.Equal(t, int64(log.Len()), c.Offset)
				log.Write(c.Data)
			}
		}
		recs = append(recs, obs.Records...)
		cur = obs.Next
		switch obs.Status {
		case "Completed", "Failed", "Canceled":
			return obs, log.String(), recs
		}
		time.Sleep(obs.PollAfter)
	}
	t.Fatal("execution did not end")
	return nil, "", nil
}

func TestLocalRunsAndReattaches(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	local, err := compute.Get(ctx, ws, "local")
	require.NoError(t, err)
	assert.Equal(t, compute.TypeLocal, local.Type())
	script := "import os, sys\nfrom azureml.core import Run\nRun.get_context().log('a', 1)\nprint('cwd', os.path.basename(os.getcwd()))\nprint('run', os.environ['AZUREML_RUN_ID'], os.environ['AZUREML_ARM_PROJECT_NAME'], os.environ['AZUREML_OUTPUT_DIRECTORY'])\nprint('var', os.environ['EXAMPLE_ENV_VAR'])\nsys.stdout.flush()\nprint('err', file=sys.stderr)\n"
	exec1, err := local.Start(ctx, job(t, "run_1", script, nil))
	require.NoError(t, err)

	// A second handle, as another process would make from the persisted state.
	state := exec1.State()
	other, err := compute.NewLocal(ws, nil)
	require.NoError(t, err)
	exec2, err := other.Reattach(ctx, state)
	require.NoError(t, err)

	for _, e := range []compute.Execution{exec1, exec2} {
		obs, log, recs := follow(t, e)
		assert.Equal(t, "Completed", obs.Status)
		require.NotNil(t, obs.ExitCode)
		assert.Equal(t, 0, *obs.ExitCode)
		assert.False(t, obs.StartedAt.IsZero())
		assert.False(t, obs.EndedAt.Before(obs.StartedAt))
		assert.Equal(t, "cwd wd\nrun run_1 exp ./outputs\nvar EXAMPLE_VALUE\nerr\n", log)
		require.Len(t, recs, 1)
		var rec map[string]any
		require.NoError(t, json.Unmarshal(recs[0].Line, &rec))
		assert.Equal(t, "a", rec["name"])
		assert.Equal(t, int64(0), recs[0].Offset)
	}
	var names []string
	require.NoError(t, exec1.(compute.OutputCollector).CollectOutputs(ctx, func(name string, r io.Reader) error {
		names = append(names, name)
		return nil
	}))
	assert.Contains(t, names, "azureml-logs/70_driver_log.txt")
	assert.Contains(t, names, "azureml-logs/60_control_log.txt")
}

func TestLocalExitCodeAndCancel(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	local, err := compute.NewLocal(ws, &compute.LocalOptions{CancelGracePeriod: time.Second})
	require.NoError(t, err)

	e, err := local.Start(ctx, job(t, "run_fail", "import sys\nsys.exit(7)\n", nil))
	require.NoError(t, err)
	obs, _, _ := follow(t, e)
	assert.Equal(t, "Failed", obs.Status)
	assert.Equal(t, 7, *obs.ExitCode)
	assert.Contains(t, obs.Reason, "exited with code 7")

	e, err = local.Start(ctx, job(t, "run_cancel", "import time\nprint('up', flush=True)\ntime.sleep(100)\n", nil))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		obs, err := e.Observe(ctx, compute.Cursor{})
		return err == nil && obs.Status == "Running" && len(obs.Logs) > 0
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, e.Cancel(ctx))
	obs, _, _ = follow(t, e)
	assert.Equal(t, "Canceled", obs.Status)
	assert.Equal(t, 143, *obs.ExitCode) // SIGTERM
}

func TestLocalEnvironmentErrors(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	local, err := compute.NewLocal(ws, &compute.LocalOptions{
		LookPath: func(string) (string, error) { return "", exec.ErrNotFound },
	})
	require.NoError(t, err)

	rc := runconfig.New()
	rc.Environment.Docker.Enabled = true
	_, err = local.Start(ctx, job(t, "run_docker", "pass\n", rc))
	assert.ErrorIs(t, err, envbuild.ErrDockerUnsupported)
	assert.Contains(t, err.Error(), "docker.enabled")

	rc = runconfig.New() // system-managed, and no conda anywhere
	_, err = local.Start(ctx, job(t, "run_noconda", "pass\n", rc))
	assert.ErrorIs(t, err, envbuild.ErrNoConda)
	assert.Contains(t, err.Error(), "userManagedDependencies")
	log, _ := os.ReadFile(filepath.Join(ws.RunsDir(), "run_noconda", "azureml-logs", "60_control_log.txt"))
	assert.Contains(t, string(log), "Environment preparation failed")
}

func TestGetUnknownAndReserved(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	_, err := compute.Get(ctx, ws, "gpu-cluster")
	assert.ErrorIs(t, err, compute.ErrNotFound)
	assert.Contains(t, err.Error(), "ComputeTargetNotFound: Compute Target with name gpu-cluster not found in provided workspace")
	_, err = compute.Get(ctx, ws, "containerinstance")
	assert.True(t, errors.Is(err, compute.ErrUnsupported))
	assert.True(t, compute.IsReservedName("amlcompute"))
	targets, err := compute.List(ctx, ws)
	require.NoError(t, err)
	assert.Contains(t, targets, "local")
}
