package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/mlflowrest"
	"github.com/amlgo/amlgo/internal/mlflowtest"
)

func TestMain(m *testing.M) { os.Exit(mlflowtest.Main(m)) }

const mlflowToken = "shim-test-token"

// mlflowTarget is an MLflow run on the shared test server, behind a proxy that wants
// mlflowToken and counts calls.
type mlflowTarget struct {
	client *mlflowrest.Client
	proxy  *mlflowtest.Proxy
	runID  string
}

func newMLflowTarget(t *testing.T, intercept func(w http.ResponseWriter, r *http.Request, endpoint string, n int) bool) *mlflowTarget {
	t.Helper()
	srv := mlflowtest.Shared(t)
	proxy := mlflowtest.NewProxy(t, srv.URL, &mlflowtest.ProxyOptions{Token: mlflowToken, Intercept: intercept})
	c := srv.Client(t, nil) // straight to the server: the test's reads are not counted
	ctx := context.Background()
	exp, err := c.GetOrCreateExperiment(ctx, "driver-"+strings.ReplaceAll(t.Name(), "/", "-"))
	require.NoError(t, err)
	info, err := c.CreateRun(ctx, exp, "", nil)
	require.NoError(t, err)
	return &mlflowTarget{client: c, proxy: proxy, runID: info.RunID}
}

// env is the environment of a script in an Azure ML service job logging to the target, with
// the amlgo run directory of p when p is not nil.
func (m *mlflowTarget) env(p *Paths, extra ...string) []string {
	var env []string
	if p != nil {
		env = runEnv(*p, m.runID)
	} else {
		env = cleanEnv()
	}
	return append(append(env,
		"MLFLOW_TRACKING_URI="+m.proxy.URL, "MLFLOW_RUN_ID="+m.runID,
		"MLFLOW_TRACKING_TOKEN="+mlflowToken), extra...)
}

func (m *mlflowTarget) history(t *testing.T, key string) []mlflowrest.Metric {
	t.Helper()
	var out []mlflowrest.Metric
	for v, err := range m.client.MetricHistory(context.Background(), m.runID, key) {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func values(ms []mlflowrest.Metric) (vals []float64, steps []int64) {
	for _, m := range ms {
		vals, steps = append(vals, m.Value), append(steps, m.Step)
	}
	return vals, steps
}

type pyResult struct {
	Stdout, Stderr string
	Exit           int
	Took           time.Duration
}

// runScript runs code with python in dir and env, whatever its exit status.
func runScript(t *testing.T, py, dir string, env []string, code string) pyResult {
	t.Helper()
	script := filepath.Join(t.TempDir(), "script.py")
	require.NoError(t, os.WriteFile(script, []byte(code), 0o644))
	cmd := exec.Command(py, script)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	r := pyResult{Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(began)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Exit = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return r
}

// amlgoWarnings returns the shim's warning lines on stderr.
func amlgoWarnings(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "amlgo: ") {
			out = append(out, l)
		}
	}
	return out
}

func TestShimTrackingBaseAgreesWithGo(t *testing.T) {
	py := python(t)
	p := newRunDir(t)
	data, err := os.ReadFile(filepath.Join("..", "mlflowrest", "testdata", "tracking_uris.json"))
	require.NoError(t, err)
	var tc struct {
		Cases []struct {
			In   string `json:"in"`
			Want string `json:"want"`
		} `json:"cases"`
		Errors []string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(data, &tc))
	var in []string
	for _, c := range tc.Cases {
		in = append(in, c.In)
	}
	in = append(in, tc.Errors...)
	input, _ := json.Marshal(in)
	literal, _ := json.Marshal(string(input)) // a JSON string is a Python string literal too
	code := `
import json
from azureml.core import _mlflow
out = []
for uri in json.loads(` + string(literal) + `):
    try:
        out.append(_mlflow.tracking_base(uri))
    except ValueError as e:
        out.append("error: " + str(e))
print(json.dumps(out))
`
	var got []string
	require.NoError(t, json.Unmarshal([]byte(runPython(t, py, p, cleanEnvWithShim(p), code)), &got))
	require.Len(t, got, len(in))
	for i, c := range tc.Cases {
		goBase, err := mlflowrest.TrackingBase(c.In)
		require.NoError(t, err)
		assert.Equal(t, goBase, got[i], c.In)
		assert.Equal(t, c.Want, got[i], c.In)
	}
	for i, uri := range tc.Errors {
		assert.True(t, strings.HasPrefix(got[len(tc.Cases)+i], "error: "), "%q: %s", uri, got[len(tc.Cases)+i])
		assert.NotContains(t, got[len(tc.Cases)+i], "secret")
	}
}

func cleanEnvWithShim(p Paths) []string { return append(cleanEnv(), "PYTHONPATH="+p.ShimDir) }

const mlflowScript = `
import sys
from azureml.core import Run
run = Run.get_context()
assert type(run).__name__ == "Run", type(run)
run.log("alpha", 0.5)
run.log("alpha", 0.25)
run.log("epoch_loss", 0.9, step=10)
run.log("flag", True)
run.log("message", "hello")
run.log_list("losses", [3, 2.5, 1])
run.log_row("rows", x=1, y="a")
run.log_row("rows", x=2, y="b")
run.log_table("table", {"c1": [1, 2], "c2": [5, 6]})
run.log(u"bad name \u2713", 1)
run.tag("run_type", "train")
run.tag("novalue")
run.set_tags({"n": 3})
for i in range(1500):
    run.log("loss", 1.0 / (i + 1))
print("done")
`

func TestShimLogsThroughMLflow(t *testing.T) {
	for _, py := range pythons(t) {
		t.Run(filepath.Base(filepath.Dir(py))+"/"+filepath.Base(py), func(t *testing.T) {
			m := newMLflowTarget(t, nil)
			p := newRunDir(t)
			// No complete(): what is still buffered goes at interpreter exit.
			r := runScript(t, py, p.WorkDir, m.env(&p), mlflowScript)
			require.Equal(t, 0, r.Exit, r.Stderr)
			assert.Equal(t, "done\n", r.Stdout)
			t.Logf("script with 1,513 logs ran in %v; %d log-batch calls", r.Took, m.proxy.Count("runs/log-batch"))

			loss := m.history(t, "loss")
			require.Len(t, loss, 1500)
			for i, v := range loss {
				require.Equal(t, int64(i), v.Step)
				require.Equal(t, 1.0/float64(i+1), v.Value)
			}
			calls := m.proxy.Count("runs/log-batch")
			assert.GreaterOrEqual(t, calls, 6, "at most 250 values of one metric per call")
			assert.LessOrEqual(t, calls, 12, "batched, not one call per value")
			assert.Zero(t, m.proxy.Unauthorized())

			for key, want := range map[string][2][]float64{
				"alpha":      {{0.5, 0.25}, {0, 1}},
				"epoch_loss": {{0.9}, {10}},
				"flag":       {{1}, {0}},
				"losses":     {{3, 2.5, 1}, {0, 1, 2}},
				"rows/x":     {{1, 2}, {0, 1}},
				"table/c1":   {{1, 2}, {0, 1}},
				"table/c2":   {{5, 6}, {0, 1}},
			} {
				vals, steps := values(m.history(t, key))
				assert.Equal(t, want[0], vals, key)
				var ws []int64
				for _, s := range want[1] {
					ws = append(ws, int64(s))
				}
				assert.Equal(t, ws, steps, key)
			}
			assert.Empty(t, m.history(t, "message"))
			assert.Empty(t, m.history(t, "rows/y"))

			run, err := m.client.GetRun(context.Background(), m.runID)
			require.NoError(t, err)
			latest, _ := run.Metric("loss")
			assert.Equal(t, int64(1499), latest.Step)
			for k, v := range map[string]string{"run_type": "train", "novalue": "", "n": "3",
				"amlgo.metric_type.losses": "list", "amlgo.metric_type.rows": "row", "amlgo.metric_type.table": "table"} {
				assert.Equal(t, v, run.Tags[k], k)
			}
			assert.Equal(t, mlflowrest.StatusRunning, run.Info.Status, "the service, not the script, ends the run")

			warnings := amlgoWarnings(r.Stderr)
			assert.Len(t, warnings, 3, r.Stderr)
			for _, w := range []string{"'message'", "'rows/y'", "bad name"} {
				assert.Contains(t, r.Stderr, w)
			}
			assert.NotContains(t, r.Stderr, mlflowToken)

			// metrics.jsonl has everything, as without MLflow
			recs := readRecords(t, p)
			n := 0
			for _, rec := range recs {
				if rec.Kind == KindMetric && rec.Name == "loss" {
					n++
				}
			}
			assert.Equal(t, 1500, n)
			assert.Len(t, recs, 1500+10+3)
		})
	}
}
