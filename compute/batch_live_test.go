package compute_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// TestLiveAmlComputeJob runs a job on a real AmlCompute cluster only with AMLGO_LIVE_AZURE=1:
// the workspace of the config.json found from AMLGO_LIVE_AZURE_CONFIG, DefaultAzureCredential,
// and the existing cluster AMLGO_LIVE_AZURE_CLUSTER (default cpu-cluster). It submits a script
// that logs a metric and writes an output in azureml's DEFAULT_CPU_IMAGE, streams it, and reads
// back the metric and the output. It is billable and not run in CI.
func TestLiveAmlComputeJob(t *testing.T) {
	if os.Getenv("AMLGO_LIVE_AZURE") != "1" {
		t.Skip("set AMLGO_LIVE_AZURE=1 to run against a real Azure ML workspace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	require.NoError(t, err)
	ws, err := workspace.FromConfig(ctx, cred, os.Getenv("AMLGO_LIVE_AZURE_CONFIG"), &workspace.GetOptions{Dir: t.TempDir()})
	require.NoError(t, err)
	defer ws.Close()
	name := os.Getenv("AMLGO_LIVE_AZURE_CLUSTER")
	if name == "" {
		name = "cpu-cluster"
	}
	target, err := compute.Get(ctx, ws, name)
	require.NoError(t, err)
	exp, err := experiment.New(ws, "amlgo-live")
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Target = name
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python"
	src := writeSource(t, map[string]string{"s.py": "import os\nfrom azureml.core import Run\nRun.get_context().log('live', 1.5)\n" +
		"os.makedirs('outputs', exist_ok=True)\nopen('outputs/x.txt', 'w').write('x')\nprint('live run ok')\n"})
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc}, &experiment.SubmitOptions{Target: target})
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "live run ok")
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1.5, m["live"])
	names, err := run.FileNames(ctx)
	require.NoError(t, err)
	assert.Contains(t, names, "outputs/x.txt")
}
