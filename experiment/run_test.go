package experiment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
	"github.com/amlgo/amlgo/workspace"
)

const trackingScript = `
import sys
from azureml.core import Run
run = Run.get_context()
run.log("alpha", 0.5)
run.log("mse", 3424.3)
run.log("mse", 3000.1)
run.log_list("losses", [3.0, 2.0, 1.5])
run.log_row("weights", feature="bmi", weight=1.5)
run.log_row("weights", feature="bp", weight=0.25)
run.log_table("table", {"x": [1, 2], "y": [3, 4]})
run.tag("framework", "pure-python")
run.add_properties({"dataset": "synthetic"})
import os
os.makedirs("outputs", exist_ok=True)
with open("outputs/model.json", "w") as f:
    f.write('{"w": 1}')
with open("extra.txt", "w") as f:
    f.write("uploaded")
run.upload_file("outputs/extra/uploaded.txt", "extra.txt")
print("run id", run.id, "experiment", run.experiment.name)
print("to stderr", file=sys.stderr)
print("args", sys.argv[1:])
`

func TestSubmitLocalEndToEnd(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "sklearn-diabetes")
	require.NoError(t, err)
	src := runconfig.ScriptRunConfig{
		SourceDirectory: sourceDir(t, map[string]string{"train.py": trackingScript, "data/input.csv": "a,b\n1,2\n"}),
		Script:          "train.py",
		Arguments:       []any{"--alpha", 0.5, "--epochs", 3, "--scale", 1.0, "--verbose", true, "--name", "7"},
		RunConfig:       userManaged(t),
	}
	run, err := exp.Submit(ctx, src, &experiment.SubmitOptions{Tags: map[string]string{"kind": "test"}})
	require.NoError(t, err)
	assert.Regexp(t, `^sklearn-diabetes_\d{10}_[0-9a-f]{8}$`, run.ID())

	var out bytes.Buffer
	details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, experiment.StatusCompleted, details.Status)
	text := out.String()
	assert.True(t, strings.HasPrefix(text, "RunId: "+run.ID()+"\nWeb View: "), text)
	assert.Contains(t, text, "\nStreaming azureml-logs/70_driver_log.txt\n"+strings.Repeat("=", len("azureml-logs/70_driver_log.txt")+10)+"\n\n")
	assert.Contains(t, text, "run id "+run.ID()+" experiment sklearn-diabetes\n")
	assert.Contains(t, text, "to stderr\n")
	// The script sees Python's str() of each argument.
	assert.Contains(t, text, "args ['--alpha', '0.5', '--epochs', '3', '--scale', '1.0', '--verbose', 'True', '--name', '7']\n")
	assert.Contains(t, text, "\nExecution Summary\n=================\nRunId: "+run.ID()+"\n")

	// Details: azureml's keys.
	raw, err := json.Marshal(details)
	require.NoError(t, err)
	var keys map[string]any
	require.NoError(t, json.Unmarshal(raw, &keys))
	for _, k := range []string{"runId", "target", "status", "startTimeUtc", "endTimeUtc", "properties", "inputDatasets", "outputDatasets", "runDefinition", "logFiles", "submittedBy"} {
		assert.Contains(t, keys, k)
	}
	assert.Equal(t, "local", details.Target)
	assert.NotEmpty(t, details.Properties["ContentSnapshotId"])
	assert.Equal(t, "synthetic", details.Properties["dataset"])
	assert.Contains(t, details.LogFiles, "azureml-logs/70_driver_log.txt")
	assert.Equal(t, 0, *details.ExitCode)
	var def map[string]any
	require.NoError(t, json.Unmarshal(details.RunDefinition, &def))
	assert.Equal(t, "train.py", def["script"])
	// The run definition keeps the arguments' types, as azureml's repr does.
	assert.Equal(t, []any{"--alpha", 0.5, "--epochs", 3.0, "--scale", 1.0, "--verbose", true, "--name", "7"}, def["arguments"])
	assert.Regexp(t, `"--epochs",\s*3,\s*"--scale",\s*1\.0,\s*"--verbose",\s*true,\s*"--name",\s*"7"`, string(details.RunDefinition))

	// Metrics in get_metrics shapes.
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0.5, m["alpha"])
	assert.Equal(t, []any{3424.3, 3000.1}, m["mse"])
	assert.Equal(t, []any{3.0, 2.0, 1.5}, m["losses"])
	assert.Equal(t, map[string]any{"feature": []any{"bmi", "bp"}, "weight": []any{1.5, 0.25}}, m["weights"])
	assert.Equal(t, map[string]any{"x": []any{1.0, 2.0}, "y": []any{3.0, 4.0}}, m["table"])

	tags, err := run.Tags(ctx)
	require.NoError(t, err)
	assert.Equal(t, "test", tags["kind"])
	assert.Equal(t, "pure-python", tags["framework"])

	// Files.
	names, err := run.FileNames(ctx)
	require.NoError(t, err)
	assert.Contains(t, names, "outputs/model.json")
	assert.Contains(t, names, "outputs/extra/uploaded.txt")
	assert.Contains(t, names, "azureml-logs/70_driver_log.txt")
	assert.Contains(t, names, "azureml-logs/60_control_log.txt")
	dest := t.TempDir()
	require.NoError(t, run.DownloadFile(ctx, "outputs/model.json", dest))
	b, err := os.ReadFile(filepath.Join(dest, "model.json"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"w": 1}`, string(b))
	written, err := run.DownloadFiles(ctx, &experiment.DownloadFilesOptions{Prefix: "outputs/", OutputDirectory: dest})
	require.NoError(t, err)
	assert.Len(t, written, 2)
	b, err = os.ReadFile(filepath.Join(dest, "outputs", "extra", "uploaded.txt"))
	require.NoError(t, err)
	assert.Equal(t, "uploaded", string(b))

	// Logs of an ended run.
	var logs bytes.Buffer
	require.NoError(t, run.Logs(ctx, &logs, nil))
	assert.Contains(t, logs.String(), "args ['--alpha', '0.5', '--epochs', '3'")

	// Model registration, versions.
	m1, err := run.RegisterModel(ctx, "diabetes-model", &experiment.RegisterModelOptions{ModelPath: "outputs/model.json", Tags: map[string]string{"alpha": "0.5"}})
	require.NoError(t, err)
	assert.Equal(t, 1, m1.Version)
	assert.Equal(t, []string{"model.json"}, m1.Files)
	m2, err := run.RegisterModel(ctx, "diabetes-model", &experiment.RegisterModelOptions{ModelPath: "outputs"})
	require.NoError(t, err)
	assert.Equal(t, 2, m2.Version)
	assert.ElementsMatch(t, []string{"model.json", "extra/uploaded.txt"}, m2.Files)
	var versions []int
	for m, err := range experiment.Models(ctx, ws, "diabetes-model") {
		require.NoError(t, err)
		versions = append(versions, m.Version)
	}
	assert.Equal(t, []int{2, 1}, versions)
	latest, err := experiment.GetModel(ctx, ws, "diabetes-model", 0)
	require.NoError(t, err)
	files, err := latest.Download(ctx, t.TempDir())
	require.NoError(t, err)
	assert.Len(t, files, 2)
	_, err = run.RegisterModel(ctx, "x", &experiment.RegisterModelOptions{ModelPath: "outputs/missing.pkl"})
	assert.ErrorIs(t, err, experiment.ErrNotFound)

	// Listing and GetRun.
	var ids []string
	for r, err := range exp.Runs(ctx, &experiment.ListRunsOptions{Statuses: []experiment.Status{experiment.StatusCompleted}, Tags: map[string]string{"kind": "test"}}) {
		require.NoError(t, err)
		ids = append(ids, r.ID())
	}
	assert.Equal(t, []string{run.ID()}, ids)
	again, err := experiment.GetRun(ctx, ws, run.ID())
	require.NoError(t, err)
	st, err := again.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCompleted, st)
	_, err = experiment.GetRun(ctx, ws, "nope")
	assert.ErrorIs(t, err, experiment.ErrNotFound)
}

func TestFailingScriptGivesRunError(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "failing")
	require.NoError(t, err)
	script := "import sys\nfor i in range(40):\n    print('line', i)\nprint('boom: bad input', file=sys.stderr)\nsys.exit(3)\n"
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{
		SourceDirectory: sourceDir(t, map[string]string{"fail.py": script}), Script: "fail.py", RunConfig: userManaged(t)}, nil)
	require.NoError(t, err)
	details, err := run.WaitForCompletion(ctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, experiment.StatusFailed, runErr.Status)
	require.NotNil(t, runErr.ExitCode)
	assert.Equal(t, 3, *runErr.ExitCode)
	assert.Contains(t, runErr.LogTail, "boom: bad input")
	assert.Contains(t, runErr.LogTail, "line 39")
	assert.NotContains(t, runErr.LogTail, "line 0\n")
	var exitErr *experiment.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 3, exitErr.Code)
	assert.Equal(t, experiment.StatusFailed, details.Status)
	assert.Contains(t, string(details.Error), "UserError")

	// RaiseOnError false: details and no error; the error is printed.
	no := false
	var out bytes.Buffer
	details, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out, RaiseOnError: &no})
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusFailed, details.Status)
	assert.Contains(t, out.String(), "Error:\n")
}

func TestScriptRunFailMarksRunFailed(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "runfail")
	require.NoError(t, err)
	script := "from azureml.core import Run\nrun = Run.get_context()\nrun.fail(error_details='data was empty')\n"
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{
		SourceDirectory: sourceDir(t, map[string]string{"s.py": script}), Script: "s.py", RunConfig: userManaged(t)}, nil)
	require.NoError(t, err)
	_, err = run.WaitForCompletion(ctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Contains(t, runErr.Message, "data was empty")
}

func TestCancelLeavesNoProcess(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	// The script starts a grandchild and ignores SIGTERM, so only SIGKILL after the grace
	// period stops it; neither may survive.
	script := `
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(["sleep", "1000"])
print("pgid", os.getpgid(0), "child", child.pid, flush=True)
while True:
    time.sleep(0.05)
`
	run := submitScript(t, ws, "cancel", script)
	pgid := waitForPGID(t, run)
	require.False(t, processGroupGone(pgid), "script's process group should be alive")
	// The target's 1 s grace period reached the driver: bash <wrapper> <rundir> <max> <grace> -- ...
	wrapperPID, err := os.ReadFile(filepath.Join(ws.RunsDir(), run.ID(), "azureml-setup", "pid"))
	require.NoError(t, err)
	cmdline, err := os.ReadFile("/proc/" + strings.TrimSpace(string(wrapperPID)) + "/cmdline")
	require.NoError(t, err)
	argv := strings.Split(string(cmdline), "\x00")
	require.Greater(t, len(argv), 5, "%q", argv)
	assert.Equal(t, []string{"1", "--"}, argv[4:6], "grace period of the driver: %q", argv)

	start := time.Now()
	require.NoError(t, run.Cancel(ctx))
	st, err := run.Status(ctx)
	require.NoError(t, err)
	assert.Contains(t, []experiment.Status{experiment.StatusCancelRequested, experiment.StatusCanceled}, st)
	wctx, cancel := context.WithTimeout(ctx, 2*testenv.Patience)
	defer cancel()
	details, err := run.WaitForCompletion(wctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, experiment.StatusCanceled, details.Status)
	// The script never ends by itself and ignores SIGTERM: the SIGKILL after the grace period
	// ends it, soon after the cancel.
	assert.Less(t, time.Since(start), testenv.Patience/2)
	require.Eventually(t, func() bool { return processGroupGone(pgid) }, testenv.Patience, 20*time.Millisecond, "processes of group %d left behind", pgid)
}

// TestCancelKeepsAnEndRecordedMeanwhile: a run that ends (its end recorded by another
// observer) after Cancel has told its execution to stop but before Cancel records
// CancelRequested stays Canceled; CancelRequested never replaces an end. (A sweep's
// controller, which follows each child once, waited forever on a child moved back to
// CancelRequested.)
func TestCancelKeepsAnEndRecordedMeanwhile(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	run := submitScript(t, ws, "cancelrace", "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(0.05)\n")
	waitForLine(t, run, "started")
	other, err := experiment.GetRun(ctx, ws, run.ID())
	require.NoError(t, err)
	hooked := 0
	defer experiment.SetAfterExecCancel(func(id string) {
		hooked++
		wctx, cancel := context.WithTimeout(ctx, 2*testenv.Patience)
		defer cancel()
		details, err := other.WaitForCompletion(wctx, &experiment.WaitOptions{RaiseOnError: new(bool)})
		require.NoError(t, err)
		require.Equal(t, experiment.StatusCanceled, details.Status, "the other observer records the end")
	})()
	require.NoError(t, run.Cancel(ctx))
	require.Equal(t, 1, hooked)
	// As recorded (Run.Status would observe the execution and could mend the record).
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	rec, err := st.GetRun(ctx, run.ID())
	require.NoError(t, err)
	assert.Equal(t, string(experiment.StatusCanceled), rec.Status, "the end recorded first stays")
	hist, err := st.StatusHistory(ctx, run.ID())
	require.NoError(t, err)
	assert.Equal(t, string(experiment.StatusCanceled), hist[len(hist)-1].Status)
	for _, h := range hist[:len(hist)-1] {
		assert.NotEqual(t, string(experiment.StatusCanceled), h.Status, "ended once: %v", hist)
	}
	details, err := run.WaitForCompletion(ctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, experiment.StatusCanceled, details.Status)
	require.NoError(t, run.Cancel(ctx), "canceling an ended run does nothing")
	require.Equal(t, 1, hooked)
}

// TestCancelRightAfterSubmitRecordedTheRun: a run canceled (here from another handle, as a
// sweep's Cancel does with the children it lists) between being recorded and being prepared
// is never started, and Submit returns it Canceled without an error.
func TestCancelRightAfterSubmitRecordedTheRun(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	hooked := 0
	defer experiment.SetAfterRecord(func(id string) {
		hooked++
		other, err := experiment.GetRun(ctx, ws, id)
		require.NoError(t, err)
		require.NoError(t, other.CancelWithReason(ctx, "canceled at once"))
	})()
	run := submitScript(t, ws, "cancelearly", "open('started', 'w').close()\n")
	require.Equal(t, 1, hooked)
	details, err := run.WaitForCompletion(ctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, experiment.StatusCanceled, details.Status)
	assert.Equal(t, "canceled at once", runErr.Message)
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	hist, err := st.StatusHistory(ctx, run.ID())
	require.NoError(t, err)
	var statuses []string
	for _, h := range hist {
		statuses = append(statuses, h.Status)
	}
	assert.Equal(t, []string{"NotStarted", "Canceled"}, statuses, "never prepared")
	_, err = os.Stat(filepath.Join(ws.RunsDir(), run.ID()))
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing was started: no run directory")
}

// waitForPGID waits for the script to print its process group id.
func waitForPGID(t *testing.T, run *experiment.Run) int {
	t.Helper()
	deadline := time.Now().Add(testenv.Patience)
	for time.Now().Before(deadline) {
		var buf bytes.Buffer
		require.NoError(t, run.Logs(context.Background(), &buf, nil))
		for _, line := range strings.Split(buf.String(), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "pgid" {
				n, err := strconv.Atoi(f[1])
				require.NoError(t, err)
				return n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("script never printed its process group")
	return 0
}

func TestMaxRunDuration(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "maxduration")
	require.NoError(t, err)
	one := 1
	rc := userManaged(t)
	rc.MaxRunDurationSeconds = &one
	src := runconfig.ScriptRunConfig{
		SourceDirectory: sourceDir(t, map[string]string{"s.py": "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n"}),
		Script:          "s.py",
		RunConfig:       rc,
	}
	start := time.Now()
	run, err := exp.Submit(ctx, src, &experiment.SubmitOptions{Target: fastLocal(t, ws)})
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 2*testenv.Patience)
	defer cancel()
	_, err = run.WaitForCompletion(wctx, nil)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, experiment.StatusFailed, runErr.Status)
	assert.Contains(t, runErr.Message, "maxRunDurationSeconds")
	// Ended by the 1 s limit, well before the script's 600 s sleep.
	assert.Less(t, time.Since(start), testenv.Patience)
}

func TestValidationErrors(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	_, err := experiment.New(ws, "-bad name")
	assert.ErrorIs(t, err, experiment.ErrInvalidName)
	_, err = experiment.New(ws, strings.Repeat("a", 256))
	assert.ErrorIs(t, err, experiment.ErrInvalidName)

	exp, err := experiment.New(ws, "validation")
	require.NoError(t, err)
	good := sourceDir(t, map[string]string{"train.py": "print(1)\n"})
	outside := filepath.Join(filepath.Dir(good), "elsewhere.py")
	require.NoError(t, os.WriteFile(outside, []byte("print(1)\n"), 0o644))

	cases := map[string]struct {
		src  runconfig.ScriptRunConfig
		want string
	}{
		"unknown target": {runconfig.ScriptRunConfig{SourceDirectory: good, Script: "train.py", ComputeTarget: "gpu-cluster"}, "gpu-cluster"},
		"missing script": {runconfig.ScriptRunConfig{SourceDirectory: good, Script: "nope.py"}, "nope.py"},
		"outside script": {runconfig.ScriptRunConfig{SourceDirectory: good, Script: "../elsewhere.py"}, "script ../elsewhere.py is outside the source directory"},
		"missing source": {runconfig.ScriptRunConfig{SourceDirectory: filepath.Join(good, "absent"), Script: "train.py"}, "does not exist"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := exp.Submit(ctx, c.src, nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, experiment.ErrInvalidConfig)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	t.Run("snapshot too large", func(t *testing.T) {
		big := sourceDir(t, map[string]string{"train.py": "print(1)\n", "data.bin": strings.Repeat("x", 4096)})
		_, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: big, Script: "train.py", RunConfig: userManaged(t)},
			&experiment.SubmitOptions{MaxSnapshotBytes: 1024})
		assert.ErrorIs(t, err, experiment.ErrInvalidConfig)
		assert.ErrorIs(t, err, snapshot.ErrSnapshotTooLarge)
	})
	t.Run("too many files", func(t *testing.T) {
		files := map[string]string{"train.py": "print(1)\n"}
		for i := range 5 {
			files["f"+strconv.Itoa(i)] = "x"
		}
		_, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: sourceDir(t, files), Script: "train.py", RunConfig: userManaged(t)},
			&experiment.SubmitOptions{MaxSnapshotFiles: 3})
		assert.ErrorIs(t, err, snapshot.ErrTooManyFiles)
	})
	// No run was recorded for any of these.
	for r, err := range exp.Runs(ctx, nil) {
		require.NoError(t, err)
		t.Errorf("unexpected run %s", r.ID())
	}
}

// TestWorkspaceInsideSourceDirectoryIsNotSnapshotted submits from a source directory that holds
// the workspace itself: the snapshot leaves the workspace out.
func TestWorkspaceInsideSourceDirectoryIsNotSnapshotted(t *testing.T) {
	ctx := context.Background()
	src := sourceDir(t, map[string]string{"s.py": "import os\nprint(sorted(os.listdir('.')))\n"})
	ws, err := workspace.Open(filepath.Join(src, ".amlgo"), nil)
	require.NoError(t, err)
	defer ws.Close()
	exp, err := experiment.New(ws, "inside")
	require.NoError(t, err)
	for range 2 {
		run, err := exp.Submit(ctx, runconfigFor(src, userManaged(t)), nil)
		require.NoError(t, err)
		var out bytes.Buffer
		_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
		require.NoError(t, err)
		assert.Contains(t, out.String(), "['logs', 'outputs', 's.py']\n") // outputs/ and logs/ are made by the driver
		assert.Contains(t, out.String(), "(1 files)")
	}
}
