package compute_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

	// Docker with no engine: an environment failure naming the socket it tried.
	rc := runconfig.New()
	rc.Environment.Docker.Enabled = true
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	_, err = local.Start(ctx, computetest.Job(t, "run_docker", "pass\n", rc))
	assert.ErrorIs(t, err, compute.ErrEnvironment)
	assert.ErrorIs(t, err, compute.ErrDockerEngine)
	assert.Contains(t, err.Error(), "none.sock")

	rc = runconfig.New() // system-managed, and no conda anywhere
	_, err = local.Start(ctx, computetest.Job(t, "run_noconda", "pass\n", rc))
	assert.ErrorIs(t, err, envbuild.ErrNoConda)
	assert.ErrorIs(t, err, compute.ErrEnvironment)
	assert.Contains(t, err.Error(), "userManagedDependencies")
	assert.True(t, strings.HasPrefix(err.Error(), "compute: preparing the environment: no conda tool found (looked for micromamba, mamba and conda"), err.Error())
	assert.NotContains(t, err.Error(), "envbuild")
	log, _ := os.ReadFile(filepath.Join(ws.RunsDir(), "run_noconda", "azureml-logs", "60_control_log.txt"))
	assert.Contains(t, string(log), "Environment preparation failed: no conda tool found")
	assert.NotContains(t, string(log), "envbuild")

	rc = runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "/nonexistent/bin/python3"
	_, err = local.Start(ctx, computetest.Job(t, "run_nopython", "pass\n", rc))
	assert.ErrorIs(t, err, envbuild.ErrInterpreterNotFound)
	assert.ErrorIs(t, err, compute.ErrEnvironment)
	assert.NotContains(t, err.Error(), "envbuild")
}

// TestLocalCheck: every setting the local target cannot honour is refused with what to do
// instead (all at once), and every setting it ignores is a warning.
func TestLocalCheck(t *testing.T) {
	ctx := context.Background()
	local, err := compute.NewLocal(openWorkspace(t), nil)
	require.NoError(t, err)

	w, err := local.Check(ctx, runconfig.New())
	require.NoError(t, err, "the defaults run as they are")
	assert.Empty(t, w)

	rc := runconfig.New()
	rc.Framework = "PySpark"
	rc.Communicator = "IntelMpi"
	rc.NodeCount = 2
	rc.Docker.UseDocker = true
	rc.Docker.Arguments = []string{"--oom-score-adj", "5"}
	rc.DataReferences = map[string]runconfig.DataReferenceConfiguration{"in": {DataStoreName: "ds", Mode: "mount"}}
	rc.Data = map[string]runconfig.Data{"train": {}}
	rc.OutputData = map[string]any{"out": map[string]any{}}
	rc.EnvironmentVariables = map[string]string{"A=B": "x"}
	_, err = local.Check(ctx, rc)
	require.Error(t, err)
	assert.ErrorIs(t, err, compute.ErrUnsupported)
	for _, want := range []string{
		"compute: framework PySpark needs a script to submit",
		"compute: docker with framework PySpark is not supported on the local target yet; turn docker off to run spark-submit on this machine",
		"compute: communicator IntelMpi (an MPI job) is not supported on the local target yet; run it on a VM target, where amlgo starts it with mpirun, or set communicator None (and no DistributedJobConfig) to run one process",
		"compute: nodeCount is 2 but the local target is a single node; set nodeCount to 1",
		"compute: docker.arguments flag --oom-score-adj is not supported by amlgo (supported: -v/--volume",
		"compute: dataReferences (in) are not supported on the local target yet: amlgo does not mount or download datastore paths; remove them and pass the data's path on this machine as an argument",
		"compute: data inputs (train) are not supported on the local target yet",
		"compute: outputData (out) is not supported on the local target yet: amlgo does not upload outputs to datastores; remove it and write the files under ./outputs, which amlgo keeps as the run's artifacts",
		`compute: environment variable name "A=B" cannot be set on the local target`,
	} {
		assert.Contains(t, err.Error(), want)
	}

	for fw, want := range map[string]string{
		"TensorFlowParameterServer": "compute: framework TensorFlowParameterServer (a distributed TensorFlow job) is not supported on the local target yet; set framework TensorFlow and communicator None to run one process",
		"PythonMpi":                 "compute: framework PythonMpi is an obsolete name that amlgo does not run; set framework Python with communicator OpenMpi or IntelMpi (MPI runs on VM targets)",
	} {
		rc := runconfig.New()
		rc.Framework = fw
		_, err := local.Check(ctx, rc)
		assert.EqualError(t, err, want)
	}
	rc = runconfig.New()
	rc.Framework, rc.Communicator = "PyTorch", "nccl"
	_, err = local.Check(ctx, rc)
	assert.EqualError(t, err, "compute: communicator nccl (a distributed PyTorch job) is not supported on the local target yet; set communicator None (and no DistributedJobConfig) to run one process")
	for _, fw := range []string{"Python", "TensorFlow", "PyTorch", "CNTK"} {
		rc := runconfig.New()
		rc.Framework = fw
		_, err := local.Check(ctx, rc)
		assert.NoError(t, err, "%s with communicator None is one python process", fw)
	}

	rc = runconfig.New()
	rc.History.OutputCollection = false
	rc.History.SnapshotProject = false
	rc.History.DirectoriesToWatch = []string{"logs", "checkpoints"}
	prio := 5
	rc.Priority = &prio
	rc.CredentialPassthrough = true
	rc.SourceDirectoryDataStore = "share"
	rc.ApplicationEndpoints = map[string]any{"jupyter": map[string]any{}}
	rc.Environment.InferencingStackVersion = "latest"
	w, err = local.Check(ctx, rc)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"history.outputCollection is false, but on the local target amlgo records every run's status, logs, metrics and outputs in the workspace",
		"history.snapshotProject is false, but amlgo snapshots the source directory of every run: the script runs from the snapshot",
		`history.directoriesToWatch "checkpoints" is not collected on the local target: only ./logs and ./outputs become the run's files; write there what the run should keep`,
		"priority 5 applies to jobs on AmlCompute clusters; it is ignored on the local target",
		"credentialPassthrough applies to data access from Azure compute; it is ignored on the local target, where the script runs as this machine's own user",
		`sourceDirectoryDataStore "share" is ignored on the local target: the run uses a snapshot of the source directory`,
		"applicationEndpoints (jupyter) are ignored on the local target: amlgo opens no endpoints",
		`environment.inferencingStackVersion "latest" is ignored on the local target: it adds azureml's inference stack to an image, which amlgo's images do not include`,
	}, w)
}

// TestLocalStartLogsWarnings: the caller's warnings and the target's own reach the control log.
func TestLocalStartLogsWarnings(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	local, err := compute.NewLocal(ws, nil)
	require.NoError(t, err)
	job := computetest.Job(t, "run_warn", "pass\n", nil)
	job.RunConfig.History.SnapshotProject = false
	job.Warnings = []string{"from the caller"}
	e, err := local.Start(ctx, job)
	require.NoError(t, err)
	obs, _, _ := computetest.Follow(t, e)
	assert.Equal(t, "Completed", obs.Status)
	log, err := os.ReadFile(filepath.Join(ws.RunsDir(), "run_warn", "azureml-logs", "60_control_log.txt"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^\[[^]]+\] Warning: from the caller\n\[[^]]+\] Warning: history.snapshotProject is false, but amlgo snapshots`, string(log))
}

func TestGetUnknownAndReserved(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	_, err := compute.Get(ctx, ws, "gpu-cluster")
	assert.ErrorIs(t, err, compute.ErrNotFound)
	assert.Contains(t, err.Error(), "ComputeTargetNotFound: Compute Target with name gpu-cluster not found in provided workspace")
	_, err = compute.Get(ctx, ws, "containerinstance")
	assert.True(t, errors.Is(err, compute.ErrUnsupported))
	assert.EqualError(t, err, `compute: not supported: the reserved target "containerinstance" (Azure Container Instances) needs an Azure workspace `+
		`(workspace.FromConfig or workspace.Get); on a local workspace run on "local" or on a VM attached with compute.AttachRemote`)
	_, err = compute.Get(ctx, ws, "amlcompute")
	assert.EqualError(t, err, `compute: not supported: the reserved target "amlcompute" (a cluster created for the run) is not implemented by amlgo yet; `+
		`run on "local" or on a VM attached with compute.AttachRemote`)
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

// TestErrorsNameNoInternalPackage: an attach that cannot connect reports it in compute's words,
// with no internal package's name ("sshx: ") in the message.
func TestErrorsNameNoInternalPackage(t *testing.T) {
	ws := openWorkspace(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close()) // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = compute.AttachRemote(ctx, ws, "vm", &compute.RemoteAttachConfig{Address: "127.0.0.1", SSHPort: port, Username: "u", Password: "p", InsecureIgnoreHostKey: true})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "compute: "), err.Error())
	assert.NotRegexp(t, `(^|: |; |\()(sshx|store|envbuild|driver|arm): `, err.Error())
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "the cause is kept")
	t.Log(err)
}
