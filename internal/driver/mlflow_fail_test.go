package driver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/mlflowtest"
	"github.com/amlgo/amlgo/internal/testenv"
)

// startScript starts code with python (stdin a pipe, stdout watched) in its own process group.
func startScript(t *testing.T, py, dir string, env []string, code string) (*exec.Cmd, io.WriteCloser, *testenv.Watch, *bytes.Buffer) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "script.py")
	require.NoError(t, os.WriteFile(script, []byte(code), 0o644))
	cmd := exec.Command(py, script)
	cmd.Dir, cmd.Env = dir, env
	var out testenv.Watch
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
	})
	return cmd, stdin, &out, &stderr
}

func TestShimSendsInTheBackground(t *testing.T) {
	py := python(t)
	m := newMLflowTarget(t, nil)
	p := newRunDir(t)
	cmd, stdin, out, _ := startScript(t, py, p.WorkDir, m.env(&p, "AMLGO_MLFLOW_FLUSH_SECONDS=0.2"), `
import sys
from azureml.core import Run
run = Run.get_context()
run.log("early", 1)
print("logged", flush=True)
sys.stdin.readline()
run.log("late", 2)
`)
	out.WaitFor(t, "logged", testenv.Patience)
	// The script is blocked on stdin: only the background sender can deliver "early".
	waitFor(t, testenv.Patience, "early in MLflow", func() bool { return len(m.history(t, "early")) == 1 })
	assert.Empty(t, m.history(t, "late"))
	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait())
	assert.Len(t, m.history(t, "late"), 1, "sent at exit")
}

func TestShimScriptThatDies(t *testing.T) {
	py := python(t)
	t.Run("exception", func(t *testing.T) {
		m := newMLflowTarget(t, nil)
		p := newRunDir(t)
		r := runScript(t, py, p.WorkDir, m.env(&p, "AMLGO_MLFLOW_FLUSH_SECONDS=3600"), `
from azureml.core import Run
run = Run.get_context()
for i in range(20):
    run.log("m", i)
raise RuntimeError("boom")
`)
		assert.Equal(t, 1, r.Exit)
		assert.Contains(t, r.Stderr, "RuntimeError: boom")
		assert.Len(t, m.history(t, "m"), 20, "atexit sends what the dead script buffered")
		assert.Empty(t, amlgoWarnings(r.Stderr))
	})
	t.Run("sigkill", func(t *testing.T) {
		m := newMLflowTarget(t, nil)
		p := newRunDir(t)
		cmd, _, out, _ := startScript(t, py, p.WorkDir, m.env(&p, "AMLGO_MLFLOW_FLUSH_SECONDS=3600"), `
import time
from azureml.core import Run
run = Run.get_context()
for i in range(20):
    run.log("k", i)
print("logged", flush=True)
time.sleep(3600)
`)
		out.WaitFor(t, "logged", testenv.Patience)
		require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL))
		_ = cmd.Wait()
		// What was buffered is lost for MLflow (documented); metrics.jsonl has it.
		assert.Empty(t, m.history(t, "k"))
		assert.Len(t, readRecords(t, p), 20)
	})
}

func TestShimSurvivesMLflowFailures(t *testing.T) {
	py := python(t)
	script := `
from azureml.core import Run
run = Run.get_context()
for i in range(10):
    run.log("m", i)
run.tag("poison", "x")
run.complete()
for i in range(10, 20):
    run.log("m", i)
print("ok")
`
	t.Run("unreachable", func(t *testing.T) {
		p := newRunDir(t)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close()) // nothing listens there now
		env := append(runEnv(p, "svc_1_00000000"), "MLFLOW_TRACKING_URI=http://"+addr, "MLFLOW_RUN_ID=r1",
			"MLFLOW_TRACKING_TOKEN="+mlflowToken, "AMLGO_MLFLOW_EXIT_SECONDS=5")
		r := runScript(t, py, p.WorkDir, env, script)
		require.Equal(t, 0, r.Exit, r.Stderr)
		assert.Equal(t, "ok\n", r.Stdout)
		w := amlgoWarnings(r.Stderr)
		require.NotEmpty(t, w)
		assert.LessOrEqual(t, len(w), 2, r.Stderr)
		assert.Contains(t, w[0], "cannot send metrics to MLflow at http://"+addr)
		assert.NotContains(t, r.Stderr, mlflowToken)
		assert.Len(t, readRecords(t, p), 10+1+1+10)
		t.Logf("script with an unreachable MLflow took %v; stderr:\n%s", r.Took, r.Stderr)
	})
	t.Run("unknown run", func(t *testing.T) {
		m := newMLflowTarget(t, nil)
		p := newRunDir(t)
		env := append(m.env(&p), "MLFLOW_RUN_ID=0123456789abcdef0123456789abcdef")
		r := runScript(t, py, p.WorkDir, env, script)
		require.Equal(t, 0, r.Exit, r.Stderr)
		w := amlgoWarnings(r.Stderr)
		require.Len(t, w, 1, r.Stderr)
		assert.Contains(t, w[0], "RESOURCE_DOES_NOT_EXIST")
		assert.Equal(t, 1, m.proxy.Count("runs/log-batch"), "no more calls once the run is refused")
	})
	t.Run("throttled", func(t *testing.T) {
		m := newMLflowTarget(t, func(w http.ResponseWriter, r *http.Request, endpoint string, n int) bool {
			if endpoint == "runs/log-batch" && n <= 2 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "throttled"}`)
				return true
			}
			return false
		})
		p := newRunDir(t)
		r := runScript(t, py, p.WorkDir, m.env(&p), script)
		require.Equal(t, 0, r.Exit, r.Stderr)
		assert.Empty(t, amlgoWarnings(r.Stderr))
		vals, _ := values(m.history(t, "m"))
		assert.Len(t, vals, 20)
	})
	t.Run("refused value", func(t *testing.T) {
		// The server refuses any batch with the "poison" tag: the shim halves the batch until
		// only that tag is left, drops it and sends the rest.
		m := newMLflowTarget(t, func(w http.ResponseWriter, r *http.Request, endpoint string, n int) bool {
			if endpoint != "runs/log-batch" {
				return false
			}
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if !bytes.Contains(body, []byte(`"poison"`)) {
				return false
			}
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error_code": "INVALID_PARAMETER_VALUE", "message": "no poison"}`)
			return true
		})
		p := newRunDir(t)
		r := runScript(t, py, p.WorkDir, m.env(&p), script)
		require.Equal(t, 0, r.Exit, r.Stderr)
		w := amlgoWarnings(r.Stderr)
		require.Len(t, w, 1, r.Stderr)
		assert.Contains(t, w[0], "'poison'")
		vals, _ := values(m.history(t, "m"))
		assert.Len(t, vals, 20)
		t.Logf("%d log-batch calls for 20 values and one refused tag", m.proxy.Count("runs/log-batch"))
	})
}

func TestShimMLflowWithoutRunDir(t *testing.T) {
	py := python(t)
	m := newMLflowTarget(t, nil)
	dir := t.TempDir()
	env := append(m.env(nil), "PYTHONPATH="+newRunDir(t).ShimDir)
	r := runScript(t, py, dir, env, `
import os
from azureml.core import Run
run = Run.get_context()
assert type(run).__name__ == "Run", type(run)
print(run.id == os.environ["MLFLOW_RUN_ID"])
run.log("a", 1)
run.log("a", 2)
open("f.txt", "w").write("x")
run.upload_file("outputs/f.txt", "f.txt")
print(run.get_metrics(), run.get_file_names())
`)
	require.Equal(t, 0, r.Exit, r.Stderr)
	assert.Equal(t, "True\n{'a': [1, 2]} ['outputs/f.txt']\n", r.Stdout)
	vals, _ := values(m.history(t, "a"))
	assert.Equal(t, []float64{1, 2}, vals)
	_, err := os.Stat(filepath.Join(dir, "metrics.jsonl"))
	assert.True(t, os.IsNotExist(err))
}

func TestShimMLflowAcrossFork(t *testing.T) {
	py := python(t)
	m := newMLflowTarget(t, nil)
	p := newRunDir(t)
	r := runScript(t, py, p.WorkDir, m.env(&p, "AMLGO_MLFLOW_FLUSH_SECONDS=3600"), `
import multiprocessing
from azureml.core import Run

def child(n):
    run = Run.get_context()
    for i in range(10):
        run.log("child", n * 100 + i)

if __name__ == "__main__":
    run = Run.get_context()
    for i in range(5):
        run.log("before", i)      # buffered in the parent when it forks
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=child, args=(n,)) for n in range(2)]
    for pr in procs: pr.start()
    for pr in procs: pr.join()
    run.log("after", 1)
`)
	require.Equal(t, 0, r.Exit, r.Stderr)
	assert.Len(t, m.history(t, "before"), 5, "the parent's buffer is sent once, not by each child too")
	assert.Len(t, m.history(t, "child"), 20, "each child sends its own values before os._exit")
	assert.Len(t, m.history(t, "after"), 1)
}

// A script that uses the mlflow package itself, where the job's image has it, keeps working
// beside the shim: both write to the same run.
func TestShimBesideMLflowPackage(t *testing.T) {
	mlflowtest.Shared(t)
	py := filepath.Join(filepath.Dir(os.Getenv(mlflowtest.Env)), "python")
	m := newMLflowTarget(t, nil)
	p := newRunDir(t)
	// mlflow deletes MLFLOW_RUN_ID from os.environ when it starts the run, before the shim is
	// imported here: the shim asks mlflow for its active run then.
	r := runScript(t, py, p.WorkDir, m.env(&p), `
import mlflow
mlflow.log_metric("direct", 1.0)
from azureml.core import Run
Run.get_context().log("via_shim", 2.0)
print(mlflow.active_run().info.run_id)
`)
	require.Equal(t, 0, r.Exit, r.Stderr)
	assert.True(t, strings.HasPrefix(r.Stdout, m.runID+"\n"), r.Stdout)
	assert.Len(t, m.history(t, "direct"), 1)
	assert.Len(t, m.history(t, "via_shim"), 1)
	run, err := m.client.GetRun(context.Background(), m.runID)
	require.NoError(t, err)
	t.Logf("status after a script that used mlflow directly: %s", run.Info.Status)
	assert.Empty(t, amlgoWarnings(r.Stderr))
}
