package compute_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/sparktest"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/workspace"
)

// hdiTarget attaches the loopback sshd as an HDInsight cluster's head node, with amlgo's
// directory private to the test.
func hdiTarget(t *testing.T, srv *sshtest.Server, opts compute.HDInsightOptions) (*sshtest.Server, *workspace.Workspace, *compute.HDInsight, string) {
	t.Helper()
	if srv == nil {
		srv = sshtest.Start(t)
	}
	ws := openWorkspace(t)
	ctx := context.Background()
	_, err := compute.AttachHDInsight(ctx, ws, "hdi", &compute.HDInsightAttachConfig{
		Address: srv.Host, SSHPort: srv.Port, Username: srv.User, PrivateKeyFile: srv.KeyFile, KnownHostsFile: srv.KnownHostsFile})
	require.NoError(t, err)
	dir := ".azureml/amlgo-test-spark-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(vmSeq.Add(1), 10)
	opts.RemoteDir = dir
	h, err := compute.GetHDInsight(ctx, ws, "hdi", &opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = h.Close()
		srv.Exec(t, "rm -rf "+dir)
	})
	return srv, ws, h, dir
}

// follower observes an execution, keeping the driver log and checking that chunks are
// contiguous (so a byte seen twice or skipped fails).
type follower struct {
	e    compute.Execution
	cur  compute.Cursor
	log  bytes.Buffer
	recs []compute.Record
}

// until observes until the run ends (returning its status) or cond holds for the log ("").
func (f *follower) until(t *testing.T, cond func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(3 * testenv.Patience)
	for time.Now().Before(deadline) {
		obs, err := f.e.Observe(context.Background(), f.cur)
		require.NoError(t, err)
		for _, c := range obs.Logs {
			if c.Name == "azureml-logs/70_driver_log.txt" {
				require.Equal(t, int64(f.log.Len()), c.Offset, "log chunks must be contiguous")
				f.log.Write(c.Data)
			}
		}
		f.recs = append(f.recs, obs.Records...)
		f.cur = obs.Next
		if cond != nil && cond(f.log.String()) {
			return ""
		}
		switch obs.Status {
		case "Completed", "Failed", "Canceled":
			if obs.PollAfter == 0 && len(obs.Logs)+len(obs.Records) > 0 {
				continue
			}
			return obs.Status
		}
		time.Sleep(obs.PollAfter)
	}
	t.Fatalf("the run did not get there; its log:\n%s", f.log.String())
	return ""
}

func has(s string) func(string) bool {
	return func(log string) bool { return strings.Contains(log, s) }
}

// TestHDInsightClientModeOnStandalone submits from the loopback head node to a real standalone
// Spark master and worker in client mode: the snapshot's module imports on the executors, the
// shim's metric reaches the run, a dropped SSH connection loses and repeats nothing, a
// failing job is Failed with its traceback, and a canceled one leaves no driver process.
func TestHDInsightClientModeOnStandalone(t *testing.T) {
	py := testenv.PySparkPython(t)
	home := testenv.SparkHome(t, py)
	cluster := sparktest.StartStandalone(t, home)
	srv, _, h, dir := hdiTarget(t, nil, compute.HDInsightOptions{SparkSubmit: filepath.Join(home, "bin", "spark-submit"), Master: cluster.Master})
	ctx := context.Background()

	t.Run("completes", func(t *testing.T) {
		job := sparkJob(t, "hdi_standalone_ok", py, nil)
		job.RunConfig.HDI.YarnDeployMode = "client"
		e, err := h.Start(ctx, job)
		require.NoError(t, err)
		f := &follower{e: e}
		require.Equal(t, "Completed", f.until(t, nil), f.log.String())
		assert.Contains(t, f.log.String(), "total 90 app Azure ML Experiment master "+cluster.Master+"\n")
		assert.Contains(t, f.log.String(), "conf yes\n")
		require.Len(t, f.recs, 1)
		assert.Contains(t, string(f.recs[0].Line), `"total"`)
	})

	t.Run("cluster mode refused", func(t *testing.T) {
		job := sparkJob(t, "hdi_standalone_cluster", py, nil)
		_, err := h.Start(ctx, job) // hdi.yarnDeployMode defaults to cluster
		assert.ErrorIs(t, err, compute.ErrUnsupported)
		assert.ErrorContains(t, err, "hdi.yarnDeployMode cluster needs YARN")
	})

	t.Run("python framework refused", func(t *testing.T) {
		job := sparkJob(t, "hdi_python", py, nil)
		job.RunConfig.Framework = "Python"
		_, err := h.Start(ctx, job)
		assert.ErrorIs(t, err, compute.ErrUnsupported)
		assert.ErrorContains(t, err, `framework Python is not supported on HDInsight target "hdi": an HDInsight cluster runs PySpark jobs`)
	})

	t.Run("dropped connection", func(t *testing.T) {
		script := `import os, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("before the drop", flush=True)
while not os.path.exists("go-on"):
    time.sleep(0.05)
n = spark.sparkContext.parallelize(range(4), 2).map(lambda x: __import__("helper").double(x)).sum()
for i in range(20):
    print("after the drop", i, n, flush=True)
spark.stop()
`
		job := sparkJob(t, "hdi_standalone_drop", py, map[string]string{"train.py": script})
		job.RunConfig.HDI.YarnDeployMode = "client"
		e, err := h.Start(ctx, job)
		require.NoError(t, err)
		f := &follower{e: e}
		require.Equal(t, "", f.until(t, has("before the drop\n")), f.log.String())
		srv.DropConnections(t)
		srv.Exec(t, "touch "+dir+"/runs/hdi_standalone_drop/wd/go-on") // the script's working directory
		require.Equal(t, "Completed", f.until(t, nil), f.log.String())
		for i := 0; i < 20; i++ {
			assert.Equal(t, 1, strings.Count(f.log.String(), "after the drop "+strconv.Itoa(i)+" 12\n"), f.log.String())
		}
		assert.Equal(t, 1, strings.Count(f.log.String(), "before the drop\n"))
	})

	t.Run("failure", func(t *testing.T) {
		job := sparkJob(t, "hdi_standalone_fail", py, nil)
		job.RunConfig.HDI.YarnDeployMode = "client"
		job.RunConfig.Arguments = []any{"--fail"}
		e, err := h.Start(ctx, job)
		require.NoError(t, err)
		f := &follower{e: e}
		assert.Equal(t, "Failed", f.until(t, nil))
		assert.Contains(t, f.log.String(), "\nfailing on purpose\n", "the script's error is in the log")
	})

	t.Run("cancel", func(t *testing.T) {
		script := `import time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("working", flush=True)
spark.sparkContext.parallelize([1], 1).map(lambda x: time.sleep(600)).collect()
`
		job := sparkJob(t, "hdi_standalone_cancel", py, map[string]string{"train.py": script})
		job.RunConfig.HDI.YarnDeployMode = "client"
		e, err := h.Start(ctx, job)
		require.NoError(t, err)
		f := &follower{e: e}
		require.Equal(t, "", f.until(t, has("working\n")), f.log.String())
		pgid, err := strconv.Atoi(strings.TrimSpace(srv.Exec(t, "cat "+dir+"/runs/hdi_standalone_cancel/azureml-setup/child_pgid")))
		require.NoError(t, err)
		require.NotEmpty(t, testenv.GroupProcs(pgid), "the driver runs")
		require.NoError(t, e.Cancel(ctx))
		assert.Equal(t, "Canceled", f.until(t, nil), f.log.String())
		assert.Empty(t, testenv.GroupProcs(pgid), "no process of the driver's group is left")
	})
}
