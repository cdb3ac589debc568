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

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// TestLiveContainerInstance runs a script in a real container group only with
// AMLGO_LIVE_AZURE=1: the workspace of the config.json found from AMLGO_LIVE_AZURE_CONFIG,
// DefaultAzureCredential, azureml's DEFAULT_CPU_IMAGE with its own python (user-managed, so no
// image is built). It reads back the metric and the output, and needs the workspace's default
// datastore to have an account key. It is billable and not run in CI.
func TestLiveContainerInstance(t *testing.T) {
	if os.Getenv("AMLGO_LIVE_AZURE") != "1" {
		t.Skip("set AMLGO_LIVE_AZURE=1 to run against a real Azure ML workspace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	require.NoError(t, err)
	ws, err := workspace.FromConfig(ctx, cred, os.Getenv("AMLGO_LIVE_AZURE_CONFIG"), &workspace.GetOptions{Dir: t.TempDir()})
	require.NoError(t, err)
	defer ws.Close()
	exp, err := experiment.New(ws, "amlgo-live-aci")
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Target = "containerinstance"
	rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{CPUCores: 1, MemoryGB: 1.5}
	rc.Environment.Docker.Enabled = true
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python"
	src := writeSource(t, map[string]string{"s.py": "import os\nfrom azureml.core import Run\nRun.get_context().log('live', 1.5)\n" +
		"os.makedirs('outputs', exist_ok=True)\nopen('outputs/x.txt', 'w').write('x')\nprint('live aci run ok')\n"})
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc}, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "live aci run ok")
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1.5, m["live"])
	names, err := run.FileNames(ctx)
	require.NoError(t, err)
	assert.Contains(t, names, "outputs/x.txt")
}
