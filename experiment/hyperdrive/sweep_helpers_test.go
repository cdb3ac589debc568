package hyperdrive

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// helperEnv makes the test binary a second SDK process that submits a sweep and waits.
const helperEnv = "AMLGO_HYPERDRIVE_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		if err := helperMain(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperMain submits a sweep of $HELPER_SRC/train.py in workspace $HELPER_WS, prints the
// parent id, then waits (the test kills it while it waits).
func helperMain() error {
	ctx := context.Background()
	ws, err := workspace.Open(os.Getenv("HELPER_WS"), nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "killed-sweep")
	if err != nil {
		return err
	}
	cfg := sweepConfig(os.Getenv("HELPER_SRC"), os.Getenv("HELPER_PYTHON"), 8, 2)
	hd, err := Submit(ctx, exp, cfg, nil)
	if err != nil {
		return err
	}
	fmt.Println(hd.ID())
	_, err = hd.WaitForCompletion(ctx, &WaitOptions{ShowOutput: os.Stderr})
	return err
}

// sweepConfig sweeps train.py's --lr and --units over 12 configurations.
func sweepConfig(src, python string, total, concurrent int) Config {
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python
	sampling, err := RandomParameterSampling(map[string]ParameterExpression{
		"lr":    Choice(0.01, 0.1, 0.5, 1.0),
		"units": Choice(8, 16, 32),
	}, nil)
	if err != nil {
		panic(err)
	}
	return Config{
		RunConfig:              &runconfig.ScriptRunConfig{SourceDirectory: src, Script: "train.py", Arguments: []any{"--epochs", 3}, RunConfig: rc},
		HyperparameterSampling: sampling,
		PrimaryMetricName:      "accuracy",
		PrimaryMetricGoal:      Maximize,
		MaxTotalRuns:           total,
		MaxConcurrentRuns:      concurrent,
	}
}

// trainScript logs accuracy = lr*units/32 per epoch and records its argv; with a gate path it
// waits, after its first log, until the gate file exists.
func trainScript(gate string) string {
	return fmt.Sprintf(`import argparse, os, sys, time
from azureml.core import Run
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int)
p.add_argument("--lr", type=float)
p.add_argument("--units", type=int)
a = p.parse_args()
run = Run.get_context()
print("argv", sys.argv[1:], flush=True)
os.makedirs("outputs", exist_ok=True)
for e in range(a.epochs):
    run.log("accuracy", a.lr * a.units / 32 * (e + 1) / a.epochs)
    gate = %q
    while gate and not os.path.exists(gate):
        time.sleep(0.02)
open("outputs/model.txt", "w").write("lr=%%s units=%%s" %% (a.lr, a.units))
`, gate)
}

// python returns python3's real executable.
func python(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
		if err == nil {
			pythonPath = strings.TrimSpace(string(out))
		}
	})
	if pythonPath == "" {
		testenv.SkipOrFail(t, "python3 not found")
	}
	return pythonPath
}

var (
	pythonOnce sync.Once
	pythonPath string
)

func openWorkspace(t testing.TB, dir string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(dir, nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

func writeSource(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

// fastLocal is the local target with a short cancel grace period.
func fastLocal(t testing.TB, ws *workspace.Workspace) compute.ComputeTarget {
	l, err := compute.NewLocal(ws, &compute.LocalOptions{CancelGracePeriod: time.Second})
	require.NoError(t, err)
	return l
}

// childrenReport describes every child of hd, for failure messages.
func childrenReport(hd *HyperDriveRun) string {
	ctx := context.Background()
	var b strings.Builder
	for c, err := range hd.Run.Children(ctx) {
		if err != nil {
			return err.Error()
		}
		d, err := c.Details(ctx)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", c.ID(), err)
			continue
		}
		var logs strings.Builder
		_ = c.Logs(ctx, &logs, nil)
		fmt.Fprintf(&b, "%s %s %s\n%s\n", c.ID(), d.Status, d.Error, logs.String())
	}
	return b.String()
}

// bestTableEnd checks the parent's BestChildTable (a row per change of the best child, only
// the last one final, the primary metric's name on each) and returns its last row's child and
// value.
func bestTableEnd(t *testing.T, hd *HyperDriveRun) (string, float64) {
	t.Helper()
	pm, err := hd.Run.Metrics(context.Background())
	require.NoError(t, err)
	table, ok := pm[BestChildTable].(map[string]any)
	require.True(t, ok, "the parent's metrics: %v", pm)
	ids, values, finals := table["run_id"].([]any), table["metric_value"].([]any), table["final"].([]any)
	require.NotEmpty(t, ids)
	require.Len(t, values, len(ids))
	require.Len(t, finals, len(ids))
	last := len(ids) - 1
	for i := range last {
		assert.Equal(t, false, finals[i], "only the last row is final")
		if i > 0 {
			assert.NotEqual(t, []any{ids[i-1], values[i-1]}, []any{ids[i], values[i]}, "a row per change")
		}
	}
	assert.Equal(t, true, finals[last], "the last row is final")
	assert.Equal(t, []any{hd.PrimaryMetricName()}, slices.Compact(table["metric_name"].([]any)))
	id, _ := ids[last].(string)
	v, _ := values[last].(float64)
	return id, v
}

// testContext bounds a test's waits: a sweep that never ends fails its test, with the
// waiting call's error, instead of stalling the package until go test's timeout (which
// shows none of the tests' output).
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*testenv.Patience)
	t.Cleanup(cancel)
	return ctx
}
