package experiment_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
)

// TestSubmitReportsIgnoredSettings: ScriptRunConfig{ComputeTarget: "cpu-cluster", RunConfig: rc}
// runs on rc.Target, as azureml-core 1.50 does, but the caller is told — through OnWarning and
// in the run's control log — and so is every setting the target ignores.
func TestSubmitReportsIgnoredSettings(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "warnings")
	require.NoError(t, err)
	rc := userManaged(t)
	rc.History.OutputCollection = false
	var warnings []string
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{
		SourceDirectory: sourceDir(t, map[string]string{"s.py": "print('ran')\n"}), Script: "s.py",
		ComputeTarget: "cpu-cluster", RunConfig: rc,
	}, &experiment.SubmitOptions{OnWarning: func(msg string) { warnings = append(warnings, msg) }})
	require.NoError(t, err)
	want := []string{
		`ScriptRunConfig.ComputeTarget "cpu-cluster" is ignored because RunConfig is set: the run goes to RunConfig.Target "local"; set RunConfig.Target to choose the target`,
		"history.outputCollection is false, but on the local target amlgo records every run's status, logs, metrics and outputs in the workspace",
	}
	assert.Equal(t, want, warnings)
	assert.Equal(t, "local", run.Target())
	_, err = run.WaitForCompletion(ctx, nil)
	require.NoError(t, err)

	dest := filepath.Join(t.TempDir(), "control.txt")
	require.NoError(t, run.DownloadFile(ctx, "azureml-logs/60_control_log.txt", dest))
	log, err := os.ReadFile(dest)
	require.NoError(t, err)
	for _, w := range want {
		assert.Contains(t, string(log), "] Warning: "+w+"\n")
	}
}

// TestSubmitRefusesWhatTheTargetCannotRun: a framework or setting the target cannot honour is
// an error before any run is recorded, saying what to do instead.
func TestSubmitRefusesWhatTheTargetCannotRun(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "refused")
	require.NoError(t, err)
	src := sourceDir(t, map[string]string{"s.py": "print(1)\n"})

	rc := userManaged(t)
	rc.Framework = "PySpark"
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = "python:3.11"
	_, err = exp.Submit(ctx, runconfigFor(src, rc), nil)
	assert.ErrorIs(t, err, experiment.ErrInvalidConfig)
	assert.ErrorIs(t, err, compute.ErrUnsupported)
	assert.EqualError(t, err, "experiment: invalid run configuration: compute: docker with framework PySpark is not supported on the local target yet; "+
		"turn docker off to run spark-submit on this machine")

	rc = userManaged(t)
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BuildContext = "https://example.com/ctx.git"
	_, err = exp.Submit(ctx, runconfigFor(src, rc), nil)
	assert.ErrorIs(t, err, compute.ErrUnsupported)
	assert.ErrorContains(t, err, "compute: environment.docker.buildContext is not supported on the local target yet; put the Dockerfile's content in environment.docker.baseDockerfile")

	for r, err := range exp.Runs(ctx, nil) {
		require.NoError(t, err)
		t.Errorf("unexpected run %s", r.ID())
	}
}

// TestEnvironmentFailureReturnsTheFailedRun: an environment that cannot be prepared leaves one
// run, Failed with UserError, which Submit returns with a *RunError.
func TestEnvironmentFailureReturnsTheFailedRun(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "envfail")
	require.NoError(t, err)
	src := sourceDir(t, map[string]string{"s.py": "print(1)\n"})
	noConda, err := compute.NewLocal(ws, &compute.LocalOptions{
		LookPath: func(string) (string, error) { return "", exec.ErrNotFound },
	})
	require.NoError(t, err)

	missing := userManaged(t)
	missing.Environment.Python.InterpreterPath = "/nonexistent/bin/python3"
	cases := []struct {
		name   string
		rc     *runconfig.RunConfiguration
		target compute.ComputeTarget
		want   string
	}{
		{"missing interpreter", missing, nil, `preparing the environment: python interpreter not found: "/nonexistent/bin/python3" (environment.python.interpreterPath with userManagedDependencies: true)`},
		{"no conda", runconfig.New(), noConda, "preparing the environment: no conda tool found (looked for micromamba, mamba and conda on PATH and in $MAMBA_EXE/$CONDA_EXE); " +
			"install Miniconda, Mambaforge or micromamba, or set environment.python.userManagedDependencies: true with environment.python.interpreterPath pointing at an existing interpreter"},
	}
	var ids []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run, err := exp.Submit(ctx, runconfigFor(src, c.rc), &experiment.SubmitOptions{Target: c.target})
			require.Error(t, err)
			require.NotNil(t, run, "the recorded run is returned with the error")
			ids = append(ids, run.ID())
			var runErr *experiment.RunError
			require.ErrorAs(t, err, &runErr)
			assert.Equal(t, run.ID(), runErr.RunID)
			assert.Equal(t, experiment.StatusFailed, runErr.Status)
			assert.Equal(t, "UserError", runErr.Code)
			assert.True(t, strings.HasPrefix(runErr.Message, c.want), runErr.Message)
			assert.Equal(t, "experiment: run "+run.ID()+" Failed: "+runErr.Message, err.Error())
			assert.ErrorIs(t, err, compute.ErrEnvironment)
			assert.NotContains(t, err.Error(), "envbuild")

			st, err := run.Status(ctx)
			require.NoError(t, err)
			assert.Equal(t, experiment.StatusFailed, st)
			details, err := run.Details(ctx)
			require.NoError(t, err)
			assert.Contains(t, string(details.Error), `"code":"UserError"`)
			_, err = run.WaitForCompletion(ctx, nil)
			assert.ErrorAs(t, err, &runErr)
		})
	}
	var got []string
	for r, err := range exp.Runs(ctx, nil) {
		require.NoError(t, err)
		got = append(got, r.ID())
	}
	assert.ElementsMatch(t, ids, got, "one run per submission, each the caller has")
}

// TestRunErrorNamesTheScriptsError: a script that raises gives azureml's "User program failed
// with <exception>" in the run's error details and in RunError.Error().
func TestRunErrorNamesTheScriptsError(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "raises")
	require.NoError(t, err)
	script := "import sys\nprint('training')\ndef fit(alpha):\n    raise ValueError('bad alpha')\nfit(-1)\n"
	run, err := exp.Submit(ctx, runconfigFor(sourceDir(t, map[string]string{"s.py": script}), userManaged(t)), nil)
	require.NoError(t, err)
	details, err := run.WaitForCompletion(ctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, "ValueError: bad alpha", runErr.ScriptError)
	assert.Equal(t, "experiment: run "+run.ID()+" Failed: User program failed with ValueError: bad alpha. The script exited with code 1.", err.Error())
	assert.Contains(t, string(details.Error), "User program failed with ValueError: bad alpha")
	var exitErr *experiment.ExitError
	assert.True(t, errors.As(err, &exitErr))
}
