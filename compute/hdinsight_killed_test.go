package compute_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/workspace"
)

// killedSparkScript prints and logs five lines, waits for the file go-on in its working
// directory, then computes on the executors and prints and logs fifteen more. Each line is one
// write, newline included: the driver log merges the script's stdout with Spark's stderr, and
// an unbuffered print is several writes (the text, then the newline) that a Spark log line can
// come between.
const killedSparkScript = `import os, sys, time
from azureml.core import Run
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
run = Run.get_context()
def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
for i in range(5):
    say("line %d" % i)
    run.log("step", i)
while not os.path.exists("go-on"):
    time.sleep(0.05)
n = spark.sparkContext.parallelize(range(4), 2).sum()
for i in range(5, 20):
    say("line %d" % i)
    run.log("step", i)
say("sum %d" % n)
spark.stop()
`

// hdiSDKKilledMidRun submits a client-mode PySpark job from a second OS process (the test binary
// in helper mode, on the same local workspace), SIGKILLs that process while the driver's log
// streams, lets the job go on while no SDK process watches it, and follows the run here from the
// workspace's record: the run reattaches to the head node's driver, Completed, every line and
// metric once.
func hdiSDKKilledMidRun(t *testing.T, srv *sshtest.Server, ws *workspace.Workspace, remoteDir, sparkHome, master, python string) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "s.py"), []byte(killedSparkScript), 0o644))
	runID, _ := killHelper(t, []string{helperEnv + "=hdi-submit-and-wait", "HELPER_WS_DIR=" + ws.Dir(), "HELPER_SRC=" + src,
		"HELPER_SPARK_SUBMIT=" + filepath.Join(sparkHome, "bin", "spark-submit"), "HELPER_MASTER=" + master,
		"HELPER_REMOTE_DIR=" + remoteDir, "HELPER_PYTHON=" + python}, "line 3\n", "line 5\n")
	// The job goes on with no SDK process: the driver on the head node passes the gate.
	srv.Exec(t, "touch "+remoteDir+"/runs/"+runID+"/wd/go-on")
	out := followOnce(t, ws, runID, 20)
	assert.Equal(t, 1, strings.Count(out, "sum 6\n"), out)
}
