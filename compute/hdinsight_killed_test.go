package compute_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/internal/testenv"
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
	ctx := context.Background()
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "s.py"), []byte(killedSparkScript), 0o644))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=hdi-submit-and-wait", "HELPER_WS_DIR="+ws.Dir(), "HELPER_SRC="+src,
		"HELPER_SPARK_SUBMIT="+filepath.Join(sparkHome, "bin", "spark-submit"), "HELPER_MASTER="+master,
		"HELPER_REMOTE_DIR="+remoteDir, "HELPER_PYTHON="+python)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	helperErr := &testenv.Watch{}
	cmd.Stderr = helperErr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, helperErr.String())
	runID := strings.TrimSpace(line)
	helperErr.WaitFor(t, "line 3\n", 3*testenv.Patience)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.NotContains(t, helperErr.String(), "line 5\n", "the helper was killed before the job went on")

	// The job goes on with no SDK process: the driver on the head node passes the gate.
	srv.Exec(t, "touch "+remoteDir+"/runs/"+runID+"/wd/go-on")
	run, err := experiment.GetRun(ctx, ws, runID)
	require.NoError(t, err)
	var out bytes.Buffer
	det, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, experiment.StatusCompleted, det.Status)
	for i := range 20 {
		assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("line %d\n", i)), "line %d in:\n%s", i, out.String())
	}
	assert.Equal(t, 1, strings.Count(out.String(), "sum 6\n"), out.String())
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Len(t, m["step"], 20, "every metric once")
}
