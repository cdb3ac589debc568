package sparktest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amlgo/amlgo/internal/sparksubmit"
	"github.com/amlgo/amlgo/internal/sparktest"
	"github.com/amlgo/amlgo/internal/testenv"
)

// TestYARNRunsAClusterModeApplication submits a Python application in YARN cluster mode to the
// single-node cluster and reads its driver's output back with the cluster's yarn logs. The
// cluster's first NodeManager finds its address taken (as when another process binds a port
// after it was seen free): StartYARN starts it again on new ports.
func TestYARNRunsAClusterModeApplication(t *testing.T) {
	py := testenv.PySparkPython(t)
	home := testenv.SparkHome(t, py)
	sparktest.TakeFirstNodeManagerAddress(t)
	y := sparktest.StartYARN(t, home, "", testenv.SkipOrFail)
	if b, err := os.ReadFile(filepath.Join(y.Dir, "nodemanager-1.log")); err != nil || !strings.Contains(string(b), "BindException") {
		t.Fatalf("the first NodeManager did not fail on its taken address (%v):\n%s", err, b)
	}
	dir := t.TempDir()
	app := filepath.Join(dir, "app.py")
	if err := os.WriteFile(app, []byte("from pyspark.sql import SparkSession\ns = SparkSession.builder.getOrCreate()\nprint('sum', s.sparkContext.parallelize(range(10)).sum())\ns.stop()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(home, "bin", "spark-submit"), "--master", "yarn", "--deploy-mode", "cluster",
		"--conf", "spark.yarn.jars=local:"+filepath.Join(home, "jars", "*"), "--conf", "spark.yarn.appMasterEnv.PYSPARK_PYTHON="+py,
		"--conf", "spark.executorEnv.PYSPARK_PYTHON="+py, "--conf", "spark.ui.enabled=false", app)
	cmd.Env = append(os.Environ(), "HADOOP_CONF_DIR="+y.ConfDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("spark-submit: %v\n%s", err, out)
	}
	id := sparksubmit.ApplicationID(string(out))
	if id == "" {
		t.Fatalf("no application id in:\n%s", out)
	}
	logs, err := exec.Command(y.CLI, "logs", "-applicationId", id, "-log_files", "stdout").CombinedOutput()
	if err != nil || !strings.Contains(string(logs), "sum 45\n") {
		t.Fatalf("yarn logs of %s (%v):\n%s", id, err, logs)
	}
	if apps := y.Applications(t, "FINISHED"); len(apps) != 1 || !strings.Contains(apps[0], "SUCCEEDED") {
		t.Fatalf("applications: %q", apps)
	}
}
