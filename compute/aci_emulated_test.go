package compute_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
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
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/aciemu"
	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/mlflowtest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// aciEnv is an Azure workspace whose container groups run for real on the Docker test engine
// (internal/aciemu), with the test registry as its container registry and Azurite as the
// storage of its default datastore.
type aciEnv struct {
	aci    *aciemu.Emulator
	srv    *armfake.Server
	ws     *workspace.Workspace
	docker *dockertest.Env
	wsID   workspace.ID
	dir    string
}

func newACIEnv(t *testing.T) *aciEnv {
	t.Helper()
	denv := dockertest.Require(t)
	az := azuritetest.Start(t)
	ml := mlflowtest.Shared(t)
	ctx := context.Background()
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: denv.Host})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	srv := armfake.New(t)
	emu, err := amlemu.New(srv, amlemu.Options{BlobEndpoint: az.BlobEndpoint, AccountName: az.AccountName, AccountKey: az.AccountKey,
		MLflowURL: ml.URL, Docker: eng})
	require.NoError(t, err)
	t.Cleanup(emu.Close)
	aci, err := aciemu.New(srv, aciemu.Options{Docker: eng, Registry: &aciemu.Registry{Address: denv.Registry, Username: denv.RegistryUser, Password: denv.RegistryPassword}})
	require.NoError(t, err)
	t.Cleanup(aci.Close)
	armID := emu.AddWorkspace("sub-1", "rg-1", "ws1", "eastus")
	_, err = aci.SetWorkspaceRegistry(armID)
	require.NoError(t, err)
	id, err := workspace.ParseID(armID)
	require.NoError(t, err)
	dir := t.TempDir()
	ws, err := workspace.Get(ctx, srv.Credential(), id, &workspace.GetOptions{ClientOptions: srv.ClientOptions(), Dir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return &aciEnv{aci: aci, srv: srv, ws: ws, docker: denv, wsID: id, dir: dir}
}

// target is the containerinstance target with a short grace period and sync interval.
func (e *aciEnv) target(t *testing.T) *compute.ContainerInstance {
	c, err := compute.NewContainerInstance(e.ws, &compute.ContainerInstanceOptions{DockerHost: e.docker.Host,
		CancelGracePeriod: 2 * time.Second, SyncInterval: 200 * time.Millisecond})
	require.NoError(t, err)
	return c
}

// groupGone waits until the run's container group is gone from Resource Manager and its
// containers from the engine.
func (e *aciEnv) requireNoGroup(t *testing.T, runID string) {
	t.Helper()
	ctx := context.Background()
	id := aciemu.GroupID("sub-1", "rg-1", groupName(runID))
	assert.False(t, e.aci.Group(id).Exists, "container group %s still exists", id)
	names, err := e.aci.EngineContainers(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, names, "engine containers of %s left", id)
}

func groupName(runID string) string {
	return strings.Trim(strings.ReplaceAll(strings.ToLower(runID), "_", "-"), "-")
}

// userImageRC runs the test registry's image as is (user-managed python3, registry credentials).
func (e *aciEnv) userImageRC() *runconfig.RunConfiguration {
	rc := runconfig.New()
	rc.Target = "containerinstance"
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = e.docker.RegistryImage
	rc.Environment.Docker.BaseImageRegistry = runconfig.ContainerRegistry{Address: e.docker.Registry, Username: e.docker.RegistryUser, Password: runconfig.Secret(e.docker.RegistryPassword)}
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	return rc
}

func (e *aciEnv) submit(t *testing.T, src string, script string, rc *runconfig.RunConfiguration, args ...any) *experiment.Run {
	t.Helper()
	exp, err := experiment.New(e.ws, "aci")
	require.NoError(t, err)
	r, err := exp.Submit(context.Background(), runconfig.ScriptRunConfig{SourceDirectory: src, Script: script, Arguments: args, RunConfig: rc},
		&experiment.SubmitOptions{Target: e.target(t)})
	require.NoError(t, err)
	return r
}

func controlLog(t *testing.T, r *experiment.Run) string {
	var buf bytes.Buffer
	require.NoError(t, r.Logs(context.Background(), &buf, &experiment.LogsOptions{Name: "azureml-logs/60_control_log.txt"}))
	return buf.String()
}

// TestContainerInstanceTrainsAndCachesImageAndSnapshot: a conda environment's image is built and
// pushed once, the snapshot uploaded once; the run's log, metrics and outputs come back; the
// group and its container are gone after each run.
func TestContainerInstanceTrainsAndCachesImageAndSnapshot(t *testing.T) {
	env := newACIEnv(t)
	ctx := context.Background()
	src := writeSource(t, map[string]string{"train.py": `import os, sys
from azureml.core import Run
run = Run.get_context()
for i in range(50):
    print("line", i, flush=True)
    run.log("loss", 1.0 / (i + 1))
run.log("alpha", float(sys.argv[2]))
os.makedirs("outputs", exist_ok=True)
open("outputs/model.json", "w").write('{"alpha": %s}' % sys.argv[2])
`, "lib/helper.py": "X = 1\n"})
	// A package of this test run's own makes an environment (an image) the shared test registry
	// cannot have yet; the fake micromamba of the test image installs nothing.
	deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn", "amlgo-aci-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)}})
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Target = "containerinstance"
	rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{CPUCores: 1, MemoryGB: 1}
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = env.docker.PythonImage
	rc.Environment.Python.CondaDependencies = deps

	var runs []*experiment.Run
	for i, alpha := range []float64{0.1, 1.0} {
		r := env.submit(t, src, "train.py", rc, "--alpha", alpha)
		var out bytes.Buffer
		det, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
		require.NoError(t, err, "%s\ncontrol log:\n%s", out.String(), controlLog(t, r))
		assert.Equal(t, experiment.StatusCompleted, det.Status)
		for j := range 50 {
			assert.Equal(t, 1, strings.Count(out.String(), fmt.Sprintf("line %d\n", j)), "line %d", j)
		}
		m, err := r.Metrics(ctx)
		require.NoError(t, err)
		assert.Len(t, m["loss"], 50)
		assert.Equal(t, alpha, m["alpha"])
		names, err := r.FileNames(ctx)
		require.NoError(t, err)
		assert.Contains(t, names, "outputs/model.json")
		env.requireNoGroup(t, r.ID())
		cl := controlLog(t, r)
		if i == 0 {
			assert.Contains(t, cl, "Pushed image")
		} else {
			assert.Contains(t, cl, "the workspace's registry has it already, nothing built or pushed")
			assert.Contains(t, cl, ": 0 files uploaded (0 bytes)")
		}
		assert.NotContains(t, cl+out.String(), "sig=")
		runs = append(runs, r)
	}
	pushes := env.aci.Pushes()
	manifests := 0
	for _, p := range pushes {
		if strings.Contains(p, "azureml_") {
			manifests++
		}
	}
	assert.Equal(t, 1, manifests, "one image push in all: %v", pushes)
	// No SAS token reached the run definitions or the store.
	for _, r := range runs {
		det, err := r.Details(ctx)
		require.NoError(t, err)
		assert.NotContains(t, fmt.Sprintf("%+v", det), "sig=")
	}
	assertTreeLacks(t, env.dir, "sig=")
}

// assertTreeLacks fails when any file under dir (the workspace's store among them) holds s.
func assertTreeLacks(t *testing.T, dir, s string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		assert.NotContains(t, string(b), s, "in %s", p)
		return nil
	}))
}

// TestContainerInstanceFaults: an image that cannot be pulled, a script that runs out of
// memory and one that exits 3 give Failed runs that say why.
func TestContainerInstanceFaults(t *testing.T) {
	env := newACIEnv(t)
	ctx := context.Background()
	src := writeSource(t, map[string]string{
		"ok.py":   "print('never')\n",
		"oom.py":  "x = bytearray(600 * 1024 * 1024)\nfor i in range(0, len(x), 4096):\n    x[i] = 1\nprint('survived')\n",
		"exit.py": "import sys\nprint('bad input', file=sys.stderr)\nsys.exit(3)\n",
	})
	rc := env.userImageRC()
	rc.Environment.Docker.BaseImage = env.docker.Registry + "/amlgo/does-not-exist:1"
	r := env.submit(t, src, "ok.py", rc)
	_, err := r.WaitForCompletion(ctx, nil)
	var re *experiment.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, experiment.StatusFailed, re.Status)
	assert.Contains(t, err.Error(), "the container's image could not be pulled: Failed to pull image")
	t.Logf("pull failure: %v", err)
	env.requireNoGroup(t, r.ID())

	rc = env.userImageRC()
	rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{CPUCores: 1, MemoryGB: 0.3}
	r = env.submit(t, src, "oom.py", rc)
	_, err = r.WaitForCompletion(ctx, nil)
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "ran out of memory")
	assert.Contains(t, err.Error(), "137")
	t.Logf("out of memory: %v", err)

	r = env.submit(t, src, "exit.py", env.userImageRC())
	var out bytes.Buffer
	_, err = r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "exit")
	assert.Contains(t, out.String(), "bad input")
	t.Logf("exit code: %v", err)
	env.requireNoGroup(t, r.ID())
}

// TestContainerInstanceCancel: cancel stops the script and leaves no group and no container.
func TestContainerInstanceCancel(t *testing.T) {
	env := newACIEnv(t)
	ctx := context.Background()
	src := writeSource(t, map[string]string{"s.py": "import time\nprint('started', flush=True)\ntime.sleep(600)\n"})
	r := env.submit(t, src, "s.py", env.userImageRC())
	out := &testenv.Watch{}
	done := make(chan error, 1)
	go func() {
		_, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: out})
		done <- err
	}()
	out.WaitFor(t, "started\n", 3*testenv.Patience)
	require.NoError(t, r.Cancel(ctx))
	select {
	case <-done:
	case <-time.After(3 * testenv.Patience):
		t.Fatal("the canceled run did not end")
	}
	st, err := r.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCanceled, st)
	env.requireNoGroup(t, r.ID())
}

// TestContainerInstanceSDKKilledMidRun submits from a second process, SIGKILLs it while the
// run's log streams, and reattaches here by the group's name: every line and metric once.
func TestContainerInstanceSDKKilledMidRun(t *testing.T) {
	env := newACIEnv(t)
	certFile := filepath.Join(t.TempDir(), "arm.pem")
	require.NoError(t, os.WriteFile(certFile, env.srv.CertificatePEM(), 0o600))
	src := writeSource(t, map[string]string{"s.py": `import time
from azureml.core import Run
run = Run.get_context()
for i in range(40):
    print("line", i, flush=True)
    run.log("step", i)
    time.sleep(0.1)
print("done", flush=True)
`})
	runID, helperErr := killHelper(t, []string{helperEnv + "=submit-and-wait", "HELPER_ARM_URL=" + env.srv.URL(), "HELPER_ARM_CERT=" + certFile,
		"HELPER_WS_ID=" + env.wsID.String(), "HELPER_WS_DIR=" + env.dir, "HELPER_SRC=" + src, "HELPER_TARGET=containerinstance",
		"HELPER_IMAGE=" + env.docker.RegistryImage, "HELPER_REGISTRY=" + env.docker.Registry,
		"HELPER_REGISTRY_USER=" + env.docker.RegistryUser, "HELPER_REGISTRY_PASSWORD=" + env.docker.RegistryPassword}, "line 3\n", "done\n")
	out := followOnce(t, env.ws, runID, 40)
	env.requireNoGroup(t, runID)
	assert.NotContains(t, helperErr.String()+out, env.docker.RegistryPassword)
}

// TestContainerInstanceBadInput: limits are refused before a run is recorded; a region the
// service does not offer and a workspace without a registry fail the run with the reason, and
// no container group is created.
func TestContainerInstanceBadInput(t *testing.T) {
	env := newACIEnv(t)
	ctx := context.Background()
	src := writeSource(t, map[string]string{"ok.py": "print('hi')\n"})
	exp, err := experiment.New(env.ws, "aci")
	require.NoError(t, err)

	rc := env.userImageRC()
	rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{CPUCores: 8, MemoryGB: 64}
	r, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "ok.py", RunConfig: rc}, &experiment.SubmitOptions{Target: env.target(t)})
	assert.Nil(t, r)
	assert.ErrorIs(t, err, experiment.ErrInvalidConfig)
	assert.ErrorContains(t, err, "containerInstance.cpuCores 8 is outside Azure Container Instances' limits")
	assert.ErrorContains(t, err, "containerInstance.memoryGb 64 is outside Azure Container Instances' limits")

	rc = env.userImageRC()
	rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{Region: "marsnorth", CPUCores: 1, MemoryGB: 1}
	r, err = exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "ok.py", RunConfig: rc}, &experiment.SubmitOptions{Target: env.target(t)})
	require.Error(t, err)
	require.NotNil(t, r)
	assert.ErrorContains(t, err, "Azure Container Instances refused container group "+groupName(r.ID())+" in region marsnorth")
	assert.ErrorContains(t, err, "LocationNotAvailableForResourceType")
	st, _ := r.Status(ctx)
	assert.Equal(t, experiment.StatusFailed, st)
	env.requireNoGroup(t, r.ID())

	// A workspace without a registry cannot run a conda environment's image.
	env.srv.Lock()
	var ws map[string]any
	require.NoError(t, json.Unmarshal(env.srv.WorkspaceLocked(env.wsID.String()), &ws))
	delete(ws["properties"].(map[string]any), "containerRegistry")
	b, _ := json.Marshal(ws)
	env.srv.SetWorkspaceLocked(env.wsID.String(), b)
	env.srv.Unlock()
	deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	require.NoError(t, err)
	rc = runconfig.New()
	rc.Target = "containerinstance"
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = env.docker.PythonImage
	rc.Environment.Python.CondaDependencies = deps
	r, err = exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "ok.py", RunConfig: rc}, &experiment.SubmitOptions{Target: env.target(t)})
	require.Error(t, err)
	assert.ErrorIs(t, err, compute.ErrNoRegistry)
	assert.ErrorContains(t, err, "workspace ws1 has no container registry")
	env.requireNoGroup(t, r.ID())
}

// TestContainerInstanceMaxDuration: maxRunDurationSeconds stops the script in the container
// (the driver's timer) and the run fails saying so.
func TestContainerInstanceMaxDuration(t *testing.T) {
	env := newACIEnv(t)
	ctx := context.Background()
	src := writeSource(t, map[string]string{"s.py": "import time\nprint('started', flush=True)\ntime.sleep(600)\n"})
	rc := env.userImageRC()
	limit := 3
	rc.MaxRunDurationSeconds = &limit
	r := env.submit(t, src, "s.py", rc)
	var out bytes.Buffer
	_, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	var re *experiment.RunError
	require.ErrorAs(t, err, &re, out.String())
	assert.Equal(t, experiment.StatusFailed, re.Status)
	assert.Contains(t, err.Error(), "maximum")
	t.Logf("max duration: %v", err)
	assert.Contains(t, out.String(), "started")
	env.requireNoGroup(t, r.ID())
}
