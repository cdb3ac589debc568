package experiment_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

const controlLog = "azureml-logs/60_control_log.txt"

// seedDockerRC is the seed's VM example's docker run configuration: docker enabled, the base
// image pulled from a registry with credentials, a system-managed conda environment with
// scikit-learn (built by the fake micromamba in the test image: conda cannot be installed
// here), prepare_environment on.
func seedDockerRC(t *testing.T, env *dockertest.Env) *runconfig.RunConfiguration {
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = strings.TrimPrefix(env.RegistryImage, env.Registry+"/")
	rc.Environment.Docker.BaseImageRegistry.Address = env.Registry
	rc.Environment.Docker.BaseImageRegistry.Username = env.RegistryUser
	rc.Environment.Docker.BaseImageRegistry.Password = runconfig.Secret(env.RegistryPassword)
	rc.Environment.Python.UserManagedDependencies = false
	deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	require.NoError(t, err)
	rc.Environment.Python.CondaDependencies = deps
	prepare := true
	rc.AutoPrepareEnvironment = &prepare
	return rc
}

func runLog(t *testing.T, run *experiment.Run, name string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, run.Logs(context.Background(), &b, &experiment.LogsOptions{Name: name}))
	return b.String()
}

// TestDockerSeedConfigTrainsLocally trains the sklearn script in the seed's docker
// configuration on the local target, twice: the second run builds and pulls nothing.
func TestDockerSeedConfigTrainsLocally(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "docker-seed")
	require.NoError(t, err)
	rc := seedDockerRC(t, env)
	src := sourceDir(t, map[string]string{"train.py": "import os\nprint('in docker:', os.path.exists('/.dockerenv'))\n" + sklearnScript})
	var logs []string
	for i := range 2 {
		run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "train.py", RunConfig: rc}, nil)
		require.NoError(t, err)
		var out bytes.Buffer
		_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
		require.NoError(t, err, out.String())
		assert.Contains(t, out.String(), "in docker: True")
		assert.Contains(t, out.String(), "alpha is 0.50, and mse is")
		m, err := run.Metrics(ctx)
		require.NoError(t, err)
		assert.Equal(t, []any{0.0, 0.25, 0.5, 0.75}, m["alpha"])
		names, err := run.FileNames(ctx)
		require.NoError(t, err)
		assert.Contains(t, names, "outputs/ridge_0.50.pkl")
		assert.Empty(t, containersOf(t, env.Host, run.ID()), "run %d left its container", i)
		ctl := runLog(t, run, controlLog)
		assert.NotContains(t, ctl, env.RegistryPassword, "the registry password reached the control log")
		logs = append(logs, ctl)
	}
	// The first run may find the image made by an earlier test run on this engine; the second
	// never builds or pulls.
	assert.NotContains(t, logs[1], "Building image")
	assert.NotContains(t, logs[1], "Pulling image")
	assert.Contains(t, logs[1], "already on the engine, nothing built")
	// The registry password is in no file of the workspace (store, run directories, logs).
	require.NoError(t, filepath.Walk(ws.Dir(), func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		assert.False(t, bytes.Contains(b, []byte(env.RegistryPassword)), "the registry password is in %s", p)
		return nil
	}))
}

// TestDockerCancelLeavesNoContainer cancels a docker run: the run ends Canceled and the engine
// has no container of it left.
func TestDockerCancelLeavesNoContainer(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "docker-cancel")
	require.NoError(t, err)
	src := sourceDir(t, map[string]string{"s.py": "import time\nprint('up', flush=True)\ntime.sleep(300)\n"})
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: dockerRC(env.PythonImage)}, nil)
	require.NoError(t, err)
	w := &testenv.Watch{}
	go func() { _ = run.Logs(ctx, w, &experiment.LogsOptions{Follow: true}) }()
	w.WaitFor(t, "up\n", testenv.Patience)
	require.NotEmpty(t, containersOf(t, env.Host, run.ID()))
	require.NoError(t, run.Cancel(ctx))
	details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{RaiseOnError: new(bool)})
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCanceled, details.Status)
	assert.Empty(t, containersOf(t, env.Host, run.ID()))
}

// TestDockerSameNewEnvironmentBuildsOnce starts two runs of one new environment at once: one
// image build, both runs complete.
func TestDockerSameNewEnvironmentBuildsOnce(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "docker-build-once")
	require.NoError(t, err)
	rc := dockerRC(env.PythonImage)
	rc.Environment.Python.UserManagedDependencies = false
	// A specification no earlier test run has built: a new image.
	deps, err := conda.Create(&conda.CreateOptions{PipPackages: []string{fmt.Sprintf("amlgo-unique-%d", time.Now().UnixNano())}})
	require.NoError(t, err)
	rc.Environment.Python.CondaDependencies = deps
	src := sourceDir(t, map[string]string{"s.py": "import sys\nprint(sys.executable)\n"})
	runs := make([]*experiment.Run, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc}, nil)
		}()
	}
	wg.Wait()
	builds := 0
	for i, run := range runs {
		require.NoError(t, errs[i])
		var out bytes.Buffer
		_, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
		require.NoError(t, err, out.String())
		assert.Contains(t, out.String(), "/azureml-envs/azureml_"+deps.Hash()+"/bin/python")
		builds += strings.Count(runLog(t, run, controlLog), "Building image")
	}
	assert.Equal(t, 1, builds, "two runs of one new environment built %d images", builds)
}

// TestDockerBadImages: a build failure, an image that does not exist and a wrong registry
// password each fail the run as the user's error, naming the problem.
func TestDockerBadImages(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "docker-bad")
	require.NoError(t, err)
	src := sourceDir(t, map[string]string{"s.py": "print('never')\n"})
	submit := func(rc *runconfig.RunConfiguration) *experiment.RunError {
		_, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc}, nil)
		var re *experiment.RunError
		require.True(t, errors.As(err, &re), "want a RunError, got %v", err)
		assert.Equal(t, experiment.StatusFailed, re.Status)
		assert.NotContains(t, re.Error(), env.RegistryPassword)
		t.Logf("%s: %s", re.Code, re.Message)
		return re
	}
	t.Run("BuildFailure", func(t *testing.T) {
		rc := dockerRC(env.PythonImage)
		rc.Environment.Python.UserManagedDependencies = false
		deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"fail-me"}})
		require.NoError(t, err)
		rc.Environment.Python.CondaDependencies = deps
		re := submit(rc)
		assert.Equal(t, "UserError", re.Code)
		assert.Contains(t, re.Message, "docker image build failed")
		assert.Contains(t, re.Message, "nothing provides fail-me", "the end of the build log")
		assert.True(t, errors.Is(re, compute.ErrDockerImage))
	})
	t.Run("ImageNotFound", func(t *testing.T) {
		rc := dockerRC("amlgo/python3-sklearn:no-such-tag")
		rc.Environment.Docker.BaseImageRegistry.Address = env.Registry
		rc.Environment.Docker.BaseImageRegistry.Username = env.RegistryUser
		rc.Environment.Docker.BaseImageRegistry.Password = runconfig.Secret(env.RegistryPassword)
		re := submit(rc)
		assert.Equal(t, "UserError", re.Code)
		assert.Contains(t, re.Message, "docker image not found")
		assert.Contains(t, re.Message, env.Registry+"/amlgo/python3-sklearn:no-such-tag")
	})
	t.Run("WrongPassword", func(t *testing.T) {
		rc := dockerRC("amlgo/python3-sklearn:wrong-password")
		rc.Environment.Docker.BaseImageRegistry.Address = env.Registry
		rc.Environment.Docker.BaseImageRegistry.Username = env.RegistryUser
		rc.Environment.Docker.BaseImageRegistry.Password = "not-the-password"
		re := submit(rc)
		assert.Equal(t, "UserError", re.Code)
		assert.Contains(t, re.Message, "docker registry refused the credentials")
		assert.NotContains(t, re.Message, "not-the-password")
	})
	t.Run("UnreachableEngine", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "no-docker.sock")
		t.Setenv("DOCKER_HOST", "unix://"+sock)
		re := submit(dockerRC(env.PythonImage))
		assert.Equal(t, "UserError", re.Code)
		assert.Contains(t, re.Message, "docker engine unreachable")
		assert.Contains(t, re.Message, sock, "names the socket it tried")
		assert.True(t, errors.Is(re, compute.ErrDockerEngine))
	})
	t.Run("GPUWithoutRuntime", func(t *testing.T) {
		rc := dockerRC(env.PythonImage)
		rc.Docker.UseDocker = true
		rc.Docker.Arguments = []string{"--gpus", "all"}
		re := submit(rc)
		assert.Contains(t, re.Message, "no nvidia runtime")
	})
}

// TestDockerSettings: sharedVolumes false copies the project in (and outputs back), shmSize
// sizes /dev/shm, docker.arguments reach the engine, and the environment's variables the
// script.
func TestDockerSettings(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "docker-settings")
	require.NoError(t, err)
	script := `import os
st = os.statvfs('/dev/shm')
print('shm', st.f_blocks * st.f_frsize)
print('cwd', os.getcwd())
print('flag', os.environ.get('FROM_ARGS'))
print('data', open('data.txt').read().strip())
os.makedirs('outputs', exist_ok=True)
open('outputs/result.txt', 'w').write('copied back')
`
	src := sourceDir(t, map[string]string{"s.py": script, "data.txt": "project file"})
	rc := dockerRC(env.PythonImage)
	rc.Docker.UseDocker = true
	rc.Docker.SharedVolumes = false
	rc.Docker.ShmSize = "256m"
	rc.Docker.Arguments = []string{"-e", "FROM_ARGS=yes"}
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc}, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), fmt.Sprintf("shm %d\n", 256<<20))
	assert.Contains(t, out.String(), "cwd /azureml-wd\n")
	assert.Contains(t, out.String(), "flag yes\n")
	assert.Contains(t, out.String(), "data project file\n")
	dest := t.TempDir()
	require.NoError(t, run.DownloadFile(ctx, "outputs/result.txt", filepath.Join(dest, "r.txt")))
	b, err := os.ReadFile(filepath.Join(dest, "r.txt"))
	require.NoError(t, err)
	assert.Equal(t, "copied back", string(b))
}

// TestDockerSDKKilledMidRun submits a docker run from a second process, kills that process
// while the run streams, and finishes waiting here: every log line and metric arrive once, and
// no container is left.
func TestDockerSDKKilledMidRun(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, err := workspace.Open(dir, nil)
	require.NoError(t, err)
	defer ws.Close()
	// After line 3 the script waits for a gate file in its working directory, which the test
	// creates (through the run directory) only once the helper is dead.
	src := sourceDir(t, map[string]string{"s.py": `
import os, time
from azureml.core import Run
run = Run.get_context()
for i in range(30):
    print("line", i, flush=True)
    run.log("step", i)
    while i == 3 and not os.path.exists("gate"):
        time.sleep(0.02)
print("done")
`})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=submit-and-wait", "HELPER_WS="+dir, "HELPER_SRC="+src,
		"HELPER_EXPERIMENT=docker-killed", "HELPER_DOCKER_IMAGE="+env.PythonImage)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	helperErr := &syncBuffer{}
	cmd.Stderr = helperErr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, helperErr.String())
	runID := strings.TrimSpace(line)
	require.Eventually(t, func() bool { return strings.Contains(helperErr.String(), "line 3\n") }, testenv.Patience, 5*time.Millisecond,
		"the helper never streamed the run: %s", helperErr)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.NotContains(t, helperErr.String(), "done\n", "the helper was killed before the run ended")
	require.NotEmpty(t, containersOf(t, env.Host, runID), "the run's container outlives the SDK process")
	require.NoError(t, os.WriteFile(filepath.Join(ws.RunsDir(), runID, "wd", "gate"), nil, 0o644))

	run, err := experiment.GetRun(ctx, ws, runID)
	require.NoError(t, err)
	var out bytes.Buffer
	details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, experiment.StatusCompleted, details.Status)
	for i := range 30 {
		assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("line %d\n", i)), "line %d", i)
	}
	assert.Contains(t, out.String(), "done\n")
	m, err := run.Metrics(ctx)
	require.NoError(t, err)
	steps, ok := m["step"].([]any)
	require.True(t, ok, "step metric: %v", m["step"])
	assert.Len(t, steps, 30, "every metric once")
	assert.Empty(t, containersOf(t, env.Host, runID))
}

// TestDockerMaxDurationAndDockerfile: a run in an image built from baseDockerfile that outlives
// maxRunDurationSeconds is stopped, Failed with the reason, and leaves no container.
func TestDockerMaxDurationAndDockerfile(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "docker-timeout")
	require.NoError(t, err)
	rc := dockerRC("")
	rc.Environment.Docker.BaseImage = ""
	rc.Environment.Docker.BaseDockerfile = "FROM " + env.PythonImage + "\nENV FROM_DOCKERFILE=yes\n"
	limit := 2
	rc.MaxRunDurationSeconds = &limit
	src := sourceDir(t, map[string]string{"s.py": "import os, time\nprint('dockerfile', os.environ.get('FROM_DOCKERFILE'), flush=True)\ntime.sleep(300)\n"})
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: rc}, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out, RaiseOnError: new(bool)})
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusFailed, details.Status)
	assert.Contains(t, string(details.Error), "maximum duration")
	assert.Contains(t, out.String(), "dockerfile yes")
	assert.Empty(t, containersOf(t, env.Host, run.ID()))
}
