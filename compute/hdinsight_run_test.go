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
	"github.com/amlgo/amlgo/conda"
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
	last *compute.Observation
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
		f.cur, f.last = obs.Next, obs
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

// sparkEnvAlias is the directory a shipped conda environment is unpacked under on executors.
const sparkEnvAlias = "amlgo_env"

func has(s string) func(string) bool {
	return func(log string) bool { return strings.Contains(log, s) }
}

// TestHDInsightClientModeOnStandalone submits from the loopback head node to a real standalone
// Spark master and worker in client mode: the snapshot's module imports on the executors, the
// shim's metric reaches the run, a dropped SSH connection loses and repeats nothing, the run of
// a killed SDK process is followed from another one, a failing job is Failed with its traceback,
// and a canceled one leaves no driver process.
func TestHDInsightClientModeOnStandalone(t *testing.T) {
	py := testenv.PySparkPython(t)
	home := testenv.SparkHome(t, py)
	cluster := sparktest.StartStandalone(t, home)
	srv, ws, h, dir := hdiTarget(t, nil, compute.HDInsightOptions{SparkSubmit: filepath.Join(home, "bin", "spark-submit"), Master: cluster.Master})
	ctx := context.Background()

	t.Run("completes", func(t *testing.T) {
		job := sparkJob(t, "hdi_standalone_ok", py, nil)
		job.RunConfig.HDI.YarnDeployMode = "client"
		// The target as experiment gets it: compute.Get, with the options GetHDInsight was given.
		target, err := compute.Get(ctx, ws, "hdi")
		require.NoError(t, err)
		require.IsType(t, &compute.HDInsight{}, target)
		e, err := target.Start(ctx, job)
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
		script := `import os, sys, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
sys.stdout.write("before the drop\n")
sys.stdout.flush()
while not os.path.exists("go-on"):
    time.sleep(0.05)
n = spark.sparkContext.parallelize(range(4), 2).map(lambda x: __import__("helper").double(x)).sum()
for i in range(20):
    sys.stdout.write("after the drop %d %d\n" % (i, n))  # one write: Spark's stderr shares the log
    sys.stdout.flush()
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
		// A new SDK process: a fresh target value from the workspace reattaches by the state.
		h2, err := compute.GetHDInsight(ctx, ws, "hdi", &compute.HDInsightOptions{RemoteDir: dir})
		require.NoError(t, err)
		state := e.State()
		e2, err := h2.Reattach(ctx, state)
		require.NoError(t, err)
		f.e = e2
		require.Equal(t, "Completed", f.until(t, nil), f.log.String())
		for i := 0; i < 20; i++ {
			assert.Equal(t, 1, strings.Count(f.log.String(), "after the drop "+strconv.Itoa(i)+" 12\n"), f.log.String())
		}
		assert.Equal(t, 1, strings.Count(f.log.String(), "before the drop\n"))
	})

	t.Run("SDK process killed", func(t *testing.T) {
		hdiSDKKilledMidRun(t, srv, ws, dir, home, cluster.Master, py)
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

	t.Run("conda environment shipped as an archive", func(t *testing.T) {
		srv.Exec(t, "mkdir -p micromamba/bin && cat >micromamba/bin/micromamba <<'EOF'\n"+fakeMicromamba+"EOF\nchmod +x micromamba/bin/micromamba")
		t.Cleanup(func() { srv.Exec(t, "rm -rf micromamba") })
		deps, err := conda.Create(&conda.CreateOptions{PipPackages: []string{}, CondaPackages: []string{"python=3.11"}})
		require.NoError(t, err)
		script := "import sys\nfrom pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\n" +
			"sys.stdout.write('driver ' + sys.executable + '\\n')\nsys.stdout.write('executor ' + spark.sparkContext.parallelize([1], 1).map(lambda x: __import__('sys').executable).collect()[0] + '\\n')\nsys.stdout.flush()\nspark.stop()\n"
		envName := "azureml_" + deps.Hash()
		for i, want := range []string{"amlgo: Packed the environment ", "amlgo: Reusing the packed environment "} {
			job := sparkJob(t, "hdi_conda_"+strconv.Itoa(i), py, map[string]string{"train.py": script})
			rc := job.RunConfig
			rc.HDI.YarnDeployMode = "client"
			rc.Environment.Python.UserManagedDependencies = false
			rc.Environment.Python.CondaDependencies = deps
			if i == 1 {
				no := false
				rc.AutoPrepareEnvironment = &no // prepared by the first run: used as it is
			}
			e, err := h.Start(ctx, job)
			require.NoError(t, err)
			f := &follower{e: e}
			require.Equal(t, "Completed", f.until(t, nil), f.log.String())
			assert.Contains(t, f.log.String(), want)
			assert.Contains(t, f.log.String(), "driver /home/"+srv.User+"/"+dir+"/envs/"+envName+"/bin/python\n")
			assert.Regexp(t, `executor /\S+/`+sparkEnvAlias+`/bin/python\n`, f.log.String())
			assert.Contains(t, f.log.String(), "--archives /home/"+srv.User+"/"+dir+"/envs/"+envName+".tar.gz#"+sparkEnvAlias+" ")
		}

		require.NoError(t, deps.AddCondaPackage("never-built"))
		job := sparkJob(t, "hdi_conda_not_prepared", py, nil)
		no := false
		job.RunConfig.HDI.YarnDeployMode = "client"
		job.RunConfig.AutoPrepareEnvironment = &no
		job.RunConfig.Environment.Python.UserManagedDependencies = false
		job.RunConfig.Environment.Python.CondaDependencies = deps
		_, err = h.Start(ctx, job)
		assert.ErrorIs(t, err, compute.ErrEnvironment)
		assert.ErrorContains(t, err, "autoPrepareEnvironment is false, and conda environment azureml_"+deps.Hash()+" is not prepared on HDInsight target \"hdi\"")
	})

	t.Run("cancel", func(t *testing.T) {
		script := `import sys, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
sys.stdout.write("working\n")
sys.stdout.flush()
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
