package compute_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// emulatedRC runs python3 of the test image on the emulated cluster.
func (e *emulated) rc() *runconfig.RunConfiguration {
	rc := runconfig.New()
	rc.Target = "cpu-cluster"
	rc.Environment.Docker.BaseImage = e.docker.PythonImage
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	return rc
}

func (e *emulated) submit(t *testing.T, script string, rc *runconfig.RunConfiguration) *experiment.Run {
	t.Helper()
	exp, err := experiment.New(e.ws, "faults")
	require.NoError(t, err)
	src := writeSource(t, map[string]string{"s.py": script})
	run, err := exp.Submit(context.Background(), runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc},
		&experiment.SubmitOptions{Target: e.cluster})
	require.NoError(t, err)
	return run
}

func waitDetails(t *testing.T, run *experiment.Run, out *bytes.Buffer) *experiment.RunDetails {
	t.Helper()
	det, err := run.WaitForCompletion(context.Background(), &experiment.WaitOptions{ShowOutput: out, RaiseOnError: new(bool)})
	require.NoError(t, err, out.String())
	return det
}

// TestBatchJobFaults: a failing script, a cancel, a lost node, a missing image and throttled
// job polls, each on the emulated service.
func TestBatchJobFaults(t *testing.T) {
	env := newEmulated(t)
	ctx := context.Background()
	t.Run("ScriptFails", func(t *testing.T) {
		run := env.submit(t, "import sys\nprint('bad alpha', flush=True)\nsys.exit(3)\n", env.rc())
		var out bytes.Buffer
		det := waitDetails(t, run, &out)
		assert.Equal(t, experiment.StatusFailed, det.Status)
		assert.Contains(t, string(det.Error), "exited with status code 3")
		assert.Contains(t, string(det.Error), "UserError")
		assert.Contains(t, out.String(), "bad alpha")
	})
	t.Run("Cancel", func(t *testing.T) {
		run := env.submit(t, "import time\nprint('up', flush=True)\ntime.sleep(300)\n", env.rc())
		w := &testenv.Watch{}
		go func() { _ = run.Logs(ctx, w, &experiment.LogsOptions{Name: "user_logs/std_log.txt", Follow: true}) }()
		w.WaitFor(t, "up\n", 3*testenv.Patience)
		require.NoError(t, run.Cancel(ctx))
		det := waitDetails(t, run, &bytes.Buffer{})
		assert.Equal(t, experiment.StatusCanceled, det.Status)
	})
	t.Run("NodeLost", func(t *testing.T) {
		run := env.submit(t, "import time\nprint('up', flush=True)\ntime.sleep(300)\n", env.rc())
		w := &testenv.Watch{}
		go func() { _ = run.Logs(ctx, w, &experiment.LogsOptions{Name: "user_logs/std_log.txt", Follow: true}) }()
		w.WaitFor(t, "up\n", 3*testenv.Patience)
		require.NoError(t, env.emu.LoseNode(run.ID()))
		det := waitDetails(t, run, &bytes.Buffer{})
		assert.Equal(t, experiment.StatusFailed, det.Status)
		assert.Contains(t, string(det.Error), "SystemError")
		assert.Contains(t, string(det.Error), "node running the job was lost")
	})
	t.Run("ImageMissing", func(t *testing.T) {
		rc := env.rc()
		rc.Environment.Docker.BaseImage = "amlgo-test/no-such-image:1"
		run := env.submit(t, "print('never')\n", rc)
		det := waitDetails(t, run, &bytes.Buffer{})
		assert.Equal(t, experiment.StatusFailed, det.Status)
		assert.Contains(t, string(det.Error), "amlgo-test/no-such-image:1")
		t.Logf("%s", det.Error)
	})
	t.Run("LateLog", func(t *testing.T) {
		env.emu.SetLogDelay(2 * time.Second) // the log file appears only 2 s into the run
		defer env.emu.SetLogDelay(0)
		run := env.submit(t, "import time\nfor i in range(10):\n    print('late', i, flush=True)\n    time.sleep(0.3)\n", env.rc())
		var out bytes.Buffer
		det := waitDetails(t, run, &out)
		assert.Equal(t, experiment.StatusCompleted, det.Status, "%s", det.Error)
		for i := range 10 {
			assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("late %d\n", i)), "line %d", i)
		}
	})
	t.Run("ThrottledPolls", func(t *testing.T) {
		run := env.submit(t, "print('throttled but fine', flush=True)\n", env.rc())
		env.emu.ThrottleJobGets(run.ID(), 3)
		var out bytes.Buffer
		det := waitDetails(t, run, &out)
		assert.Equal(t, experiment.StatusCompleted, det.Status, "%s", det.Error)
		assert.Contains(t, out.String(), "throttled but fine")
		n := 0
		for _, r := range env.emu.ARM().Requests() {
			if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/jobs/"+run.ID()) {
				n++
			}
		}
		assert.Greater(t, n, 3, "the 429s were retried")
	})
}

// TestBatchJobReattached: one observer streams part of a job's log and stops (as a killed SDK
// process would); another workspace handle on the same directory (a new process's view)
// reattaches and gets every line and every metric once.
func TestBatchJobReattached(t *testing.T) {
	env := newEmulated(t)
	ctx := context.Background()
	script := `import os, time
from azureml.core import Run
run = Run.get_context()
for i in range(20):
    print("line", i, flush=True)
    run.log("step", i)
    time.sleep(0.05)
`
	run := env.submit(t, script, env.rc())
	w := &testenv.Watch{}
	ctx1, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = run.Logs(ctx1, w, &experiment.LogsOptions{Name: "user_logs/std_log.txt", Follow: true})
	}()
	w.WaitFor(t, "line 3\n", 3*testenv.Patience)
	stop()
	<-done

	ws2, err := workspace.Get(ctx, env.emu.ARM().Credential(), env.wsID, &workspace.GetOptions{ClientOptions: env.emu.ARM().ClientOptions(), Dir: env.dir})
	require.NoError(t, err)
	defer ws2.Close()
	again, err := experiment.GetRun(ctx, ws2, run.ID())
	require.NoError(t, err)
	var out bytes.Buffer
	det, err := again.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, experiment.StatusCompleted, det.Status)
	for i := range 20 {
		assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("line %d\n", i)), "line %d", i)
	}
	m, err := again.Metrics(ctx)
	require.NoError(t, err)
	assert.Len(t, m["step"], 20, "every metric once")
}

// TestBatchCodeUploadOnceAndInterrupted: an upload cut off by a canceled context leaves no code
// version; the next submit uploads the code; one after that of unchanged code sends no code
// request beyond the hash lookup (and no environment request) before the job PUT.
func TestBatchCodeUploadOnceAndInterrupted(t *testing.T) {
	env := newEmulated(t)
	exp, err := experiment.New(env.ws, "upload")
	require.NoError(t, err)
	files := map[string]string{"s.py": "print('ok')\n"}
	for i := range 40 {
		files[fmt.Sprintf("data/f%02d.bin", i)] = strings.Repeat(fmt.Sprint(i), 256<<10)
	}
	src := writeSource(t, files)
	srcCfg := runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: env.rc()}

	// Cancel the submit as soon as the service has handed out the upload container.
	ctx, cancel := context.WithCancel(context.Background())
	env.emu.OnPendingUpload(cancel)
	_, err = exp.Submit(ctx, srcCfg, &experiment.SubmitOptions{Target: env.cluster})
	env.emu.OnPendingUpload(nil)
	cancel()
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	assert.Equal(t, 0, env.codeVersions(), "an interrupted upload created a code version")

	for i := range 2 {
		before := len(env.emu.ARM().Requests())
		run, err := exp.Submit(context.Background(), srcCfg, &experiment.SubmitOptions{Target: env.cluster})
		require.NoError(t, err)
		_, err = run.WaitForCompletion(context.Background(), nil)
		require.NoError(t, err)
		var paths []string
		for _, r := range env.emu.ARM().Requests()[before:] {
			if strings.HasSuffix(r.Path, "/jobs/"+run.ID()) && r.Method == http.MethodPut {
				break
			}
			paths = append(paths, r.Method+" "+r.Path[strings.LastIndex(r.Path, "/workspaces/"):])
		}
		if i == 1 {
			require.Len(t, paths, 1, "requests before the job PUT: %v", paths)
			assert.Contains(t, paths[0], "/codes/")
		}
	}
	assert.Equal(t, 1, env.codeVersions())
}

// TestBatchJobSDKKilledMidRun submits from a second process, SIGKILLs it while the job's log
// streams, and finishes waiting here: every line and every metric once.
func TestBatchJobSDKKilledMidRun(t *testing.T) {
	env := newEmulated(t)
	certFile := filepath.Join(t.TempDir(), "arm.pem")
	require.NoError(t, os.WriteFile(certFile, env.emu.ARM().CertificatePEM(), 0o600))
	src := writeSource(t, map[string]string{"s.py": `import time
from azureml.core import Run
run = Run.get_context()
for i in range(30):
    print("line", i, flush=True)
    run.log("step", i)
    time.sleep(0.1)
print("done", flush=True)
`})
	runID, _ := killHelper(t, []string{helperEnv + "=submit-and-wait", "HELPER_ARM_URL=" + env.emu.ARM().URL(), "HELPER_ARM_CERT=" + certFile,
		"HELPER_WS_ID=" + env.wsID.String(), "HELPER_WS_DIR=" + env.dir, "HELPER_SRC=" + src, "HELPER_IMAGE=" + env.docker.PythonImage}, "line 3\n", "done\n")
	followOnce(t, env.ws, runID, 30)
}
