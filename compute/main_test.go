package compute_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/mlflowtest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// helperEnv makes the test binary act as a second SDK process (see helperMain).
const helperEnv = "AMLGO_COMPUTE_TEST_HELPER"

// TestMain runs the helper process when asked, and stops the MLflow tracking server the
// emulated-service tests share.
func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helperMain(mode); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(mlflowtest.Main(m))
}

// helperMain is a second SDK process. Mode "submit-and-wait" opens the workspace $HELPER_WS_ID of
// the emulated service (fake ARM at $HELPER_ARM_URL, certificate in $HELPER_ARM_CERT, local
// directory $HELPER_WS_DIR) and submits $HELPER_SRC/s.py to $HELPER_TARGET (default the cluster
// cpu-cluster) in image $HELPER_IMAGE (from $HELPER_REGISTRY with $HELPER_REGISTRY_USER and
// $HELPER_REGISTRY_PASSWORD on containerinstance). Mode "hdi-submit-and-wait" opens the local
// workspace $HELPER_WS_DIR and submits $HELPER_SRC/s.py as a PySpark job in client mode to its
// HDInsight target "hdi" (spark-submit $HELPER_SPARK_SUBMIT, master $HELPER_MASTER, amlgo's
// directory $HELPER_REMOTE_DIR on the head node, interpreter $HELPER_PYTHON). Both print the run
// id and stream the run to stderr until they are killed.
func helperMain(mode string) error {
	ctx := context.Background()
	var (
		ws     *workspace.Workspace
		target compute.ComputeTarget
		rc     *runconfig.RunConfiguration
		err    error
	)
	switch mode {
	case "submit-and-wait":
		ws, target, rc, err = helperService(ctx)
	case "hdi-submit-and-wait":
		ws, target, rc, err = helperHDInsight(ctx)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		return err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "killed")
	if err != nil {
		return err
	}
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: os.Getenv("HELPER_SRC"), Script: "s.py", RunConfig: rc},
		&experiment.SubmitOptions{Target: target})
	if err != nil {
		return err
	}
	fmt.Println(run.ID())
	_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: os.Stderr})
	return err
}

// helperService is "submit-and-wait"'s workspace, target and run configuration.
func helperService(ctx context.Context) (*workspace.Workspace, compute.ComputeTarget, *runconfig.RunConfiguration, error) {
	cert, err := os.ReadFile(os.Getenv("HELPER_ARM_CERT"))
	if err != nil {
		return nil, nil, nil, err
	}
	opts, err := armfake.RemoteOptions(os.Getenv("HELPER_ARM_URL"), cert)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := workspace.ParseID(os.Getenv("HELPER_WS_ID"))
	if err != nil {
		return nil, nil, nil, err
	}
	ws, err := workspace.Get(ctx, armfake.Credential(), id, &workspace.GetOptions{ClientOptions: opts, Dir: os.Getenv("HELPER_WS_DIR")})
	if err != nil {
		return nil, nil, nil, err
	}
	name := os.Getenv("HELPER_TARGET")
	if name == "" {
		name = "cpu-cluster"
	}
	target, err := compute.Get(ctx, ws, name)
	if err != nil {
		ws.Close()
		return nil, nil, nil, err
	}
	rc := runconfig.New()
	rc.Target = name
	rc.Environment.Docker.BaseImage = os.Getenv("HELPER_IMAGE")
	if name == "containerinstance" {
		rc.Environment.Docker.Enabled = true
		rc.Environment.Docker.BaseImageRegistry = runconfig.ContainerRegistry{Address: os.Getenv("HELPER_REGISTRY"),
			Username: os.Getenv("HELPER_REGISTRY_USER"), Password: runconfig.Secret(os.Getenv("HELPER_REGISTRY_PASSWORD"))}
	}
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	return ws, target, rc, nil
}

// helperHDInsight is "hdi-submit-and-wait"'s workspace, target and run configuration.
func helperHDInsight(ctx context.Context) (*workspace.Workspace, compute.ComputeTarget, *runconfig.RunConfiguration, error) {
	ws, err := workspace.Open(os.Getenv("HELPER_WS_DIR"), nil)
	if err != nil {
		return nil, nil, nil, err
	}
	target, err := compute.GetHDInsight(ctx, ws, "hdi", &compute.HDInsightOptions{SparkSubmit: os.Getenv("HELPER_SPARK_SUBMIT"),
		Master: os.Getenv("HELPER_MASTER"), RemoteDir: os.Getenv("HELPER_REMOTE_DIR")})
	if err != nil {
		ws.Close()
		return nil, nil, nil, err
	}
	rc := runconfig.New()
	rc.Target = "hdi"
	rc.Framework = "PySpark"
	rc.HDI.YarnDeployMode = "client"
	rc.Spark.Configuration["spark.ui.enabled"] = false
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = os.Getenv("HELPER_PYTHON")
	return ws, target, rc, nil
}

// killHelper starts the test binary as a second SDK process in helper mode with env (after
// this process's environment), reads the run id it prints, SIGKILLs it once its streamed output
// holds after, and returns the run id and what it streamed. The helper must not have printed
// notYet by then.
func killHelper(t *testing.T, env []string, after, notYet string) (string, *testenv.Watch) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	helperErr := &testenv.Watch{}
	cmd.Stderr = helperErr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, helperErr.String())
	helperErr.WaitFor(t, after, 3*testenv.Patience)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.NotContains(t, helperErr.String(), notYet, "the helper was killed before the run got there")
	return strings.TrimSpace(line), helperErr
}

// followOnce waits here for the run a killed helper submitted, which must complete with
// "line 0" … "line <lines-1>" in its streamed output once each and as many "step" metrics, and
// returns that output.
func followOnce(t *testing.T, ws *workspace.Workspace, runID string, lines int) string {
	t.Helper()
	ctx := context.Background()
	run, err := experiment.GetRun(ctx, ws, runID)
	require.NoError(t, err)
	var out bytes.Buffer
	det, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, experiment.StatusCompleted, det.Status)
	for i := range lines {
		assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("line %d\n", i)), "line %d in:\n%s", i, out.String())
	}
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Len(t, m["step"], lines, "every metric once")
	return out.String()
}
