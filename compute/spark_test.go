package compute_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/compute/computetest"
	"github.com/amlgo/amlgo/internal/sparktest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
)

// sparkScript runs a Spark job whose tasks import the snapshot's own module (helper.py) on
// the executors, and logs a metric through the run-context shim on the driver.
const sparkScript = `import sys
from pyspark.sql import SparkSession
import helper
from azureml.core import Run
spark = SparkSession.builder.getOrCreate()
sc = spark.sparkContext
total = sc.parallelize(range(10), 2).map(lambda x: __import__("helper").double(x)).sum()
# One write per line, newline included: with PYTHONUNBUFFERED each argument of print, and its
# newline, is its own write, and Spark's log lines on the same file could land between them.
def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
say("total %s app %s master %s" % (total, sc.appName, sc.master))
say("conf %s" % sc.getConf().get("spark.amlgo.test", "unset"))
say("args %s" % sys.argv[1:])
Run.get_context().log("total", total)
spark.stop()
if "--fail" in sys.argv:
    raise SystemExit("failing on purpose")
`

// sparkJob is a PySpark job of the files (sparkScript as train.py and helper.py) with
// python as a user-managed interpreter.
func sparkJob(t *testing.T, id, python string, files map[string]string) *compute.Job {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"train.py": sparkScript, "helper.py": "def double(x):\n    return 2 * x\n"}
	for k, v := range files {
		all[k] = v
	}
	for name, body := range all {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	snap, err := snapshot.Take(context.Background(), dir, nil)
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Framework = "PySpark"
	rc.Script = "train.py"
	rc.Arguments = []any{"--n", 3}
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python
	rc.Spark.Configuration["spark.amlgo.test"] = "yes"
	rc.Spark.Configuration["spark.ui.enabled"] = false
	return &compute.Job{RunID: id, Experiment: "exp", Workspace: "ws", RunConfig: rc, Snapshot: snap,
		OpenFile: func(f snapshot.File) (io.ReadCloser, error) {
			return os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		}}
}

func TestLocalPySpark(t *testing.T) {
	py := testenv.PySparkPython(t)
	ctx := context.Background()
	l, err := compute.NewLocal(openWorkspace(t), nil)
	require.NoError(t, err)
	e, err := l.Start(ctx, sparkJob(t, "spark_local_ok", py, nil))
	require.NoError(t, err)
	obs, log, recs := computetest.Follow(t, e)
	require.Equal(t, "Completed", obs.Status, log)
	assert.Contains(t, log, "total 90 app Azure ML Experiment master local[*]\n")
	assert.Contains(t, log, "conf yes\n")
	assert.Contains(t, log, "args ['--n', '3']\n")
	assert.Contains(t, log, "amlgo: Submitting: ")
	require.Len(t, recs, 1, log)
	assert.Contains(t, string(recs[0].Line), `"total"`)
}

func TestLocalPySparkFailure(t *testing.T) {
	py := testenv.PySparkPython(t)
	ctx := context.Background()
	l, err := compute.NewLocal(openWorkspace(t), nil)
	require.NoError(t, err)
	job := sparkJob(t, "spark_local_fail", py, nil)
	job.RunConfig.Arguments = []any{"--fail"}
	e, err := l.Start(ctx, job)
	require.NoError(t, err)
	obs, log, _ := computetest.Follow(t, e)
	assert.Equal(t, "Failed", obs.Status, log)
	assert.Contains(t, log, "failing on purpose")
}

func TestLocalPySparkWithoutSpark(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	t.Setenv("SPARK_HOME", "")
	l, err := compute.NewLocal(openWorkspace(t), &compute.LocalOptions{LookPath: func(name string) (string, error) {
		if name == "spark-submit" {
			return "", os.ErrNotExist
		}
		return exec.LookPath(name)
	}})
	require.NoError(t, err)
	_, err = l.Start(context.Background(), sparkJob(t, "spark_none", "/usr/bin/python3", nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, compute.ErrNoSpark)
	assert.ErrorIs(t, err, compute.ErrEnvironment)
	assert.Contains(t, err.Error(), "framework PySpark on the local target needs Spark, and none was found")
}

// TestLocalPySparkPackages resolves environment.spark.packages offline from a file:// Maven
// repository (environment.spark.repositories) holding a jar built by javac; the driver calls
// its class through the JVM.
func TestLocalPySparkPackages(t *testing.T) {
	py := testenv.PySparkPython(t)
	repo := sparktest.MavenRepo(t, "com.amlgo.test", "tiny", "1.0", testenv.SkipOrFail)
	l, err := compute.NewLocal(openWorkspace(t), nil)
	require.NoError(t, err)
	script := "from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\n" +
		"print('jvm says: ' + spark.sparkContext._jvm." + sparktest.TinyClass + ".hello())\nspark.stop()\n"
	job := sparkJob(t, "spark_local_packages", py, map[string]string{"train.py": script})
	job.RunConfig.Environment.Spark.Repositories = []string{repo}
	job.RunConfig.Environment.Spark.Packages = []runconfig.SparkMavenPackage{{Group: "com.amlgo.test", Artifact: "tiny", Version: "1.0"}}
	// A private Ivy directory: the resolution is this run's, not a cached one.
	job.RunConfig.Spark.Configuration["spark.jars.ivy"] = t.TempDir()
	e, err := l.Start(context.Background(), job)
	require.NoError(t, err)
	obs, log, _ := computetest.Follow(t, e)
	require.Equal(t, "Completed", obs.Status, log)
	assert.Contains(t, log, "--repositories "+repo+" --packages com.amlgo.test:tiny:1.0 ")
	assert.Contains(t, log, "jvm says: "+sparktest.TinyHello+"\n")
}
