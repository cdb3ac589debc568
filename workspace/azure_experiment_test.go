package workspace_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// An Azure workspace keeps the history of runs on SDK-driven targets locally, so an
// experiment runs on the local target exactly as on a local workspace, and a later Get of the
// same workspace finds the run.
func TestAzureWorkspaceRunsExperimentsLocally(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		testenv.SkipOrFail(t, "python3 not found")
	}
	ctx := context.Background()
	srv, id := fakeWorkspace(t)
	dir := t.TempDir()
	ws, err := workspace.Get(ctx, srv.Credential(), id, opts(srv, dir))
	require.NoError(t, err)

	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "train.py"), []byte(
		"from azureml.core import Run\nrun = Run.get_context()\nrun.log('alpha', 0.5)\nprint('trained')\n"), 0o644))
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = py
	exp, err := experiment.New(ws, "azure-local")
	require.NoError(t, err)
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "train.py", RunConfig: rc}, nil)
	require.NoError(t, err)
	_, err = run.WaitForCompletion(ctx, nil)
	require.NoError(t, err)
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Contains(t, m, "alpha")
	require.NoError(t, ws.Close())

	ws, err = workspace.Get(ctx, srv.Credential(), id, opts(srv, dir))
	require.NoError(t, err)
	defer ws.Close()
	got, err := experiment.GetRun(ctx, ws, run.ID())
	require.NoError(t, err)
	assert.Equal(t, run.ID(), got.ID())
}
