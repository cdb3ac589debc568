package compute_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/compute/computetest"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

func openWorkspace(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(filepath.Join(t.TempDir(), "ws"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

func TestLocalConformance(t *testing.T) {
	ws := openWorkspace(t)
	local, err := compute.NewLocal(ws, &compute.LocalOptions{CancelGracePeriod: time.Second})
	require.NoError(t, err)
	computetest.TestTarget(t, local)
}

// TestLocalCancelBeforeStart checks that a job canceled before its driver starts the script
// never runs it.
func TestLocalCancelledBeforeScriptStarts(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	local, err := compute.NewLocal(ws, &compute.LocalOptions{CancelGracePeriod: time.Second})
	require.NoError(t, err)
	e, err := local.Start(ctx, computetest.Job(t, "run_cancel", "import time\nprint('up', flush=True)\ntime.sleep(100)\n", nil))
	require.NoError(t, err)
	require.NoError(t, e.Cancel(ctx))
	obs, log, _ := computetest.Follow(t, e)
	assert.Equal(t, "Canceled", obs.Status)
	require.NotNil(t, obs.ExitCode)
	assert.Equal(t, 143, *obs.ExitCode) // 128 + SIGTERM
	if obs.StartedAt.IsZero() {
		assert.Empty(t, log, "a script canceled before it started printed nothing")
	}
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
	_, err = local.Start(ctx, computetest.Job(t, "run_docker", "pass\n", rc))
	assert.ErrorIs(t, err, envbuild.ErrDockerUnsupported)
	assert.Contains(t, err.Error(), "docker.enabled")

	rc = runconfig.New() // system-managed, and no conda anywhere
	_, err = local.Start(ctx, computetest.Job(t, "run_noconda", "pass\n", rc))
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

// A recorded driver whose pid now belongs to another process (a reused pid: same pid, another
// start time) is gone: the run is reported lost at once, not Running forever.
func TestLocalReusedPIDIsNotTheDriver(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	ws := openWorkspace(t)
	local, err := compute.NewLocal(ws, nil)
	require.NoError(t, err)
	rd := t.TempDir()
	for _, state := range []string{
		// This test process stands in for the process that got the driver's pid.
		fmt.Sprintf(`{"runDir":%q,"pid":%d,"startTicks":1,"bootId":"x"}`, rd, os.Getpid()),
		// A state of an earlier version (pid only): this process's command line does not name
		// the run directory.
		fmt.Sprintf(`{"runDir":%q,"pid":%d}`, rd, os.Getpid()),
	} {
		e, err := local.Reattach(context.Background(), []byte(state))
		require.NoError(t, err)
		obs, err := e.Observe(context.Background(), compute.Cursor{})
		require.NoError(t, err)
		assert.Equal(t, "Failed", obs.Status, state)
		assert.True(t, obs.SystemError)
		assert.Contains(t, obs.Reason, compute.ErrExecutionLost.Error())
	}
}
