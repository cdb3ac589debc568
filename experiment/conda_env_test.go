package experiment_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
)

// fakeMicromamba writes a micromamba stand-in (conda cannot be installed on this machine) that
// "creates" an environment by linking the host's python into <prefix>/bin, and counts its runs.
func fakeMicromamba(t *testing.T) (dir, counter string) {
	t.Helper()
	dir = t.TempDir()
	counter = filepath.Join(dir, "runs")
	script := `#!/bin/sh
echo "$*" >> ` + counter + `
[ "$1 $2" = "create -y" ] || { echo "unexpected arguments: $*" >&2; exit 2; }
prefix=""; while [ $# -gt 0 ]; do [ "$1" = "-p" ] && prefix=$2; shift; done
mkdir -p "$prefix/bin" && ln -s ` + python(t) + ` "$prefix/bin/python"
echo "Transaction finished"
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "micromamba"), []byte(script), 0o755))
	return dir, counter
}

// TestSystemManagedEnvironmentBuiltOnceAndReused submits two runs with the same conda
// specification (userManagedDependencies false): the environment is built by the first and
// reused by the second, and the script runs in it.
func TestSystemManagedEnvironmentBuiltOnceAndReused(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	tools, counter := fakeMicromamba(t)
	local, err := compute.NewLocal(ws, &compute.LocalOptions{
		EnvCacheDir: filepath.Join(t.TempDir(), "envs"),
		LookPath: func(name string) (string, error) {
			if p := filepath.Join(tools, name); name == "micromamba" {
				return p, nil
			}
			return "", exec.ErrNotFound
		},
	})
	require.NoError(t, err)
	exp, err := experiment.New(ws, "conda-env")
	require.NoError(t, err)
	deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = false
	rc.Environment.Python.CondaDependencies = deps
	src := sourceDir(t, map[string]string{"s.py": "import os, sys\nprint('prefix', os.environ['CONDA_DEFAULT_ENV'])\n"})

	var logs []string
	for range 2 {
		run, err := exp.Submit(ctx, runconfigFor(src, rc), &experiment.SubmitOptions{Target: local})
		require.NoError(t, err)
		var out bytes.Buffer
		_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
		require.NoError(t, err, out.String())
		assert.Contains(t, out.String(), "prefix azureml_"+deps.Hash()+"\n")
		var control bytes.Buffer
		require.NoError(t, run.Logs(ctx, &control, &experiment.LogsOptions{Name: "azureml-logs/60_control_log.txt"}))
		logs = append(logs, control.String())
	}
	calls, err := os.ReadFile(counter)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(calls), "\n"), "built once: %s", calls)
	assert.Contains(t, logs[0], "Transaction finished", "the build's output is in the first run's control log")
	assert.NotContains(t, logs[1], "Transaction finished")
}
