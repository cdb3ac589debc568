package compute_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/mlflowtest"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// emulated is an Azure workspace on the service emulator with an AmlCompute cluster: real
// Azurite, a real MLflow tracking server and the Docker test engine behind it.
type emulated struct {
	emu     *amlemu.Emulator
	ws      *workspace.Workspace
	cluster *compute.BatchCluster
	docker  *dockertest.Env
	wsID    workspace.ID
	dir     string
}

// codeVersions counts the code versions the emulated workspace holds.
func (e *emulated) codeVersions() int {
	e.emu.ARM().Lock()
	defer e.emu.ARM().Unlock()
	return len(e.emu.ARM().AssetsLocked(e.wsID.String(), "codes"))
}

func newEmulated(t *testing.T) *emulated {
	t.Helper()
	denv := dockertest.Require(t)
	az := azuritetest.Start(t)
	ml := mlflowtest.Shared(t)
	ctx := context.Background()
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: denv.Host})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	srv := armfake.New(t)
	emu, err := amlemu.New(srv, amlemu.Options{BlobEndpoint: az.BlobEndpoint, AccountName: az.AccountName, AccountKey: az.AccountKey,
		MLflowURL: ml.URL, Docker: eng})
	require.NoError(t, err)
	t.Cleanup(emu.Close)
	armID := emu.AddWorkspace("sub-1", "rg-1", "ws1", "eastus")
	id, err := workspace.ParseID(armID)
	require.NoError(t, err)
	dir := t.TempDir()
	ws, err := workspace.Get(ctx, srv.Credential(), id, &workspace.GetOptions{ClientOptions: srv.ClientOptions(), Dir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	p, err := compute.BeginCreateBatchCluster(ctx, ws, "cpu-cluster", &compute.BatchClusterConfig{VMSize: "STANDARD_D2_V2", MaxNodes: 4}, nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
	require.NoError(t, err)
	cl, err := compute.Get(ctx, ws, "cpu-cluster")
	require.NoError(t, err)
	return &emulated{emu: emu, ws: ws, cluster: cl.(*compute.BatchCluster), docker: denv, wsID: id, dir: dir}
}

// TestBatchClusterTrainsOnTheEmulator submits the sklearn-free training script to the emulated
// cluster through experiment: code uploaded once, the job run in a container, its log
// streamed, its metrics read from MLflow, its outputs collected; a second submit of unchanged
// code uploads nothing.
func TestBatchClusterTrainsOnTheEmulator(t *testing.T) {
	env := newEmulated(t)
	ctx := context.Background()
	exp, err := experiment.New(env.ws, "emulated")
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Target = "cpu-cluster"
	rc.Environment.Docker.BaseImage = env.docker.PythonImage
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	src := writeSource(t, map[string]string{"train.py": `import os, sys
from azureml.core import Run
run = Run.get_context()
for i in range(5):
    print("line", i, flush=True)
    run.log("loss", 1.0 / (i + 1))
os.makedirs("outputs", exist_ok=True)
open("outputs/model.txt", "w").write("trained")
print("args", sys.argv[1:])
`})
	for i := range 2 {
		run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "train.py", Arguments: []any{"--alpha", 0.5}, RunConfig: rc},
			&experiment.SubmitOptions{Target: env.cluster})
		require.NoError(t, err)
		var out bytes.Buffer
		_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
		require.NoError(t, err, out.String())
		for j := range 5 {
			assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("line %d\n", j)), "line %d in\n%s", j, out.String())
		}
		assert.Contains(t, out.String(), "args ['--alpha', '0.5']")
		m, err := run.Metrics(ctx)
		require.NoError(t, err)
		assert.Len(t, m["loss"], 5, "metrics: %v", m)
		names, err := run.FileNames(ctx)
		require.NoError(t, err)
		assert.Contains(t, names, "outputs/model.txt")
		t.Logf("run %d: %s", i, run.ID())
	}
}
