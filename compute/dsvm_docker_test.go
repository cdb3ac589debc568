package compute_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/compute/computetest"
	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// vmDockerTarget is the loopback VM whose user reaches the test engine's socket.
// A connection opened before the user joined the group keeps the old groups, so the target's
// connection is closed after the grant (the next use dials afresh).
func vmDockerTarget(t *testing.T, env *dockertest.Env) (*sshtest.Server, *workspace.Workspace, *compute.DSVM) {
	t.Helper()
	srv, ws, d := vmTargetWith(t, &compute.DSVMOptions{DockerHost: env.Socket})
	dockertest.GrantUser(t, srv.User)
	require.NoError(t, d.Close())
	return srv, ws, d
}

func TestDSVMDockerConformance(t *testing.T) {
	env := requireDocker(t)
	_, _, d := vmDockerTarget(t, env)
	removeRunContainers(t, env.Host, "conf_")
	computetest.TestTargetWith(t, d, &computetest.Options{RunConfig: dockerRC(env.PythonImage)})
}

// TestDSVMDockerFilesStayTheUsers: the container runs as the VM user, so what the script writes
// into the mounted run directory is the user's to read and remove.
func TestDSVMDockerFilesStayTheUsers(t *testing.T) {
	env := requireDocker(t)
	srv, _, d := vmDockerTarget(t, env)
	removeRunContainers(t, env.Host, "run_owner")
	e, err := d.Start(context.Background(), computetest.Job(t, "run_owner", "import os\nos.makedirs('outputs', exist_ok=True)\nopen('outputs/x', 'w').write('x')\nprint(os.getuid())\n", dockerRC(env.PythonImage)))
	require.NoError(t, err)
	obs, log, _ := computetest.Follow(t, e)
	require.Equal(t, "Completed", obs.Status, obs.Reason)
	uid := strings.TrimSpace(srv.Exec(t, "id -u"))
	assert.Equal(t, uid+"\n", log)
}

// TestDSVMDockerNoAccess: a VM user who may not use the engine's socket gets an error naming the
// fix (the socket here is root's, mode 0600, as an engine socket is to a user outside the
// docker group).
func TestDSVMDockerNoAccess(t *testing.T) {
	env := requireDocker(t)
	dir, err := os.MkdirTemp("/tmp", "amlgo-sock")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	require.NoError(t, os.Chmod(sock, 0o600))
	srv, _, d := vmTargetWith(t, &compute.DSVMOptions{DockerHost: "unix://" + sock})
	_, err = d.Start(context.Background(), computetest.Job(t, "run_noaccess", "pass\n", dockerRC(env.PythonImage)))
	require.Error(t, err)
	assert.True(t, errors.Is(err, compute.ErrDockerEngine), "%v", err)
	assert.True(t, errors.Is(err, compute.ErrEnvironment), "%v", err)
	assert.Contains(t, err.Error(), "usermod -aG docker "+srv.User)
	assert.Contains(t, err.Error(), sock)
	t.Log(err)

	// No engine at all: the socket it looked for.
	_, _, d = vmTargetWith(t, &compute.DSVMOptions{DockerHost: filepath.Join(dir, "none.sock")})
	_, err = d.Start(context.Background(), computetest.Job(t, "run_noengine", "pass\n", dockerRC(env.PythonImage)))
	require.Error(t, err)
	assert.True(t, errors.Is(err, compute.ErrDockerEngine), "%v", err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "none.sock"))
	t.Log(err)
}

// trainScript is the seed's training script (Ridge on the diabetes data, metrics and models).
const trainScript = `import os
import joblib
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from azureml.core.run import Run

print('in docker:', os.path.exists('/.dockerenv'))
os.makedirs('./outputs', exist_ok=True)
X, y = load_diabetes(return_X_y=True)
run = Run.get_context()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
for alpha in [0.0, 0.5]:
    reg = Ridge(alpha=alpha).fit(X_train, y_train)
    mse = mean_squared_error(reg.predict(X_test), y_test)
    run.log('alpha', alpha)
    run.log('mse', mse)
    joblib.dump(value=reg, filename=os.path.join('./outputs/', 'ridge_{0:.2f}.pkl'.format(alpha)))
    print('alpha is {0:.2f}, and mse is {1:0.2f}'.format(alpha, mse))
`

// TestDSVMDockerSeedConfig trains in the seed's docker configuration (docker enabled, the base
// image pulled through the registry with credentials, conda scikit-learn — built by the fake
// micromamba in the test image, as conda cannot be installed here) on the loopback VM, twice:
// the second run builds and pulls nothing.
func TestDSVMDockerSeedConfig(t *testing.T) {
	env := requireDocker(t)
	ctx := context.Background()
	_, ws, d := vmDockerTarget(t, env)
	exp, err := experiment.New(ws, "vm-docker-seed")
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Target = "vm"
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = strings.TrimPrefix(env.RegistryImage, env.Registry+"/")
	rc.Environment.Docker.BaseImageRegistry.Address = env.Registry
	rc.Environment.Docker.BaseImageRegistry.Username = env.RegistryUser
	rc.Environment.Docker.BaseImageRegistry.Password = runconfig.Secret(env.RegistryPassword)
	deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	require.NoError(t, err)
	rc.Environment.Python.CondaDependencies = deps
	src := writeSource(t, map[string]string{"train.py": trainScript})
	var controls []string
	for i := range 2 {
		run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "train.py", RunConfig: rc}, &experiment.SubmitOptions{Target: d})
		require.NoError(t, err)
		var out bytes.Buffer
		_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
		require.NoError(t, err, out.String())
		assert.Contains(t, out.String(), "in docker: True")
		assert.Contains(t, out.String(), "alpha is 0.50, and mse is")
		m, err := run.Metrics(ctx)
		require.NoError(t, err)
		assert.Equal(t, []any{0.0, 0.5}, m["alpha"])
		names, err := run.FileNames(ctx)
		require.NoError(t, err)
		assert.Contains(t, names, "outputs/ridge_0.50.pkl")
		var ctl bytes.Buffer
		require.NoError(t, run.Logs(ctx, &ctl, &experiment.LogsOptions{Name: "azureml-logs/60_control_log.txt"}))
		assert.NotContains(t, ctl.String(), env.RegistryPassword)
		controls = append(controls, ctl.String())
		eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: env.Host})
		require.NoError(t, err)
		left, err := eng.ListRunContainers(ctx, run.ID())
		eng.Close()
		require.NoError(t, err)
		assert.Empty(t, left, "run %d left its container", i)
	}
	assert.NotContains(t, controls[1], "Building image")
	assert.NotContains(t, controls[1], "Pulling image")
	assert.Contains(t, controls[1], "already on the engine, nothing built")
}
