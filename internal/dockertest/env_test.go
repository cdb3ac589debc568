package dockertest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

func TestEnvNeverPrintsThePassword(t *testing.T) {
	e := &Env{Host: "unix:///x/docker.sock", Socket: "/x/docker.sock", Registry: "127.0.0.1:5000",
		RegistryUser: "amlgo", RegistryPassword: "s3cret-pw", RegistryImage: "127.0.0.1:5000/a/b:1"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %v"} {
		for _, v := range []any{e, *e} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, "s3cret-pw", verb)
			if verb != "%T %v" {
				assert.Contains(t, s, `RegistryPassword:"***"`, verb)
			}
		}
	}
	assert.Contains(t, e.String(), `Registry:"127.0.0.1:5000"`)
	var nilEnv *Env
	assert.Equal(t, "<nil>", fmt.Sprint(nilEnv))
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "env.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"host":"unix:///d/docker.sock","socket":"/d/docker.sock",
		"pidfile":"/d/docker.pid","pythonImage":"p:1","sklearnImage":"s:1","registry":"127.0.0.1:1",
		"registryUser":"amlgo","registryPassword":"pw","registryImage":"127.0.0.1:1/a/s:1","registryPid":7}`), 0o600))
	e, err := load(p)
	require.NoError(t, err)
	assert.Equal(t, Env{Host: "unix:///d/docker.sock", Socket: "/d/docker.sock", PythonImage: "p:1", SklearnImage: "s:1",
		Registry: "127.0.0.1:1", RegistryUser: "amlgo", RegistryPassword: "pw", RegistryImage: "127.0.0.1:1/a/s:1"}, *e)

	require.NoError(t, os.WriteFile(p, []byte(`{"host":"unix:///d/docker.sock"}`), 0o600))
	_, err = load(p)
	require.ErrorContains(t, err, "missing")
	_, err = load(filepath.Join(dir, "absent.json"))
	require.Error(t, err)
}

func TestRequire(t *testing.T) {
	e := Require(t)
	t.Logf("environment: %v", e)
	require.Equal(t, "unix://"+e.Socket, e.Host)
	require.NoError(t, pingFor(e.Socket, 10*time.Second))
	for _, img := range []string{e.PythonImage, e.SklearnImage} {
		require.True(t, imageExists(t, e.Socket, img), "image %s missing", img)
	}

	code, out := runContainer(t, e.Socket, e.SklearnImage, "python3", "-c", "import sklearn; print('sklearn', sklearn.__version__)")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "sklearn 1.")
	t.Logf("%s --network none: %s", e.SklearnImage, strings.TrimSpace(out))

	// Both images have what the SDK's bash driver uses, and the fake micromamba.
	script := `set -eu
sleep 30 & p=$!
read -r stat </proc/$p/stat; kill -TERM "$p"; wait "$p" || echo "sleep ended: $?"
setsid true; date -u +%Y-%m-%dT%H:%M:%S.%NZ >/dev/null
echo 'dependencies: [python]' >/tmp/ok.yml; echo 'dependencies: [fail-me]' >/tmp/bad.yml
micromamba create -y -p /tmp/env -f /tmp/ok.yml
/tmp/env/bin/python -c 'import sys; print("prefix python", sys.version_info[0])'
micromamba create -y -p /tmp/bad -f /tmp/bad.yml || echo "micromamba exit $?"
`
	for _, img := range []string{e.PythonImage, e.SklearnImage} {
		code, out := runContainer(t, e.Socket, img, "bash", "-c", script)
		require.Equal(t, 0, code, out)
		for _, want := range []string{"sleep ended: 143", "fake micromamba: solving /tmp/ok.yml", "fake micromamba: done",
			"prefix python 3", "fake micromamba: solving /tmp/bad.yml", "error: nothing provides fail-me", "micromamba exit 1"} {
			require.Contains(t, out, want, "%s:\n%s", img, out)
		}
	}
	code, out = runContainer(t, e.Socket, e.PythonImage, "python3", "-c", "import sklearn")
	require.NotEqual(t, 0, code, "the python3 image must not have sklearn: %s", out)
}

// TestRequireWithoutEnvironment: with AMLGO_DOCKER_ENV unset, or naming a missing file, or an
// engine that does not answer, Require skips, and fails under AMLGO_REQUIRE_INTEGRATION=1.
func TestRequireWithoutEnvironment(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, "env.json")
	require.NoError(t, os.WriteFile(dead, []byte(`{"host":"unix:///nonexistent/docker.sock","socket":"/nonexistent/docker.sock",
		"pythonImage":"p:1","sklearnImage":"s:1","registry":"127.0.0.1:1","registryUser":"amlgo",
		"registryPassword":"pw","registryImage":"127.0.0.1:1/a/s:1"}`), 0o600))
	for _, tc := range []struct{ name, env, want string }{
		{"unset", "", "AMLGO_DOCKER_ENV is not set"},
		{"missing file", filepath.Join(dir, "absent.json"), "no such file"},
		{"no engine", dead, "does not answer"},
	} {
		for _, required := range []string{"", "1"} {
			t.Setenv(EnvVar, tc.env)
			t.Setenv(testenv.RequireIntegrationEnv, required)
			ft := &fakeTB{}
			done := make(chan struct{})
			go func() { defer close(done); ft.env = Require(ft) }()
			<-done
			require.Nil(t, ft.env, tc.name)
			require.Contains(t, ft.msg, tc.want, tc.name)
			if required == "1" {
				require.True(t, ft.failed && !ft.skipped, "%s: must fail under AMLGO_REQUIRE_INTEGRATION=1", tc.name)
			} else {
				require.True(t, ft.skipped && !ft.failed, "%s: must skip", tc.name)
			}
			t.Logf("%s, AMLGO_REQUIRE_INTEGRATION=%q: skipped=%v failed=%v: %s", tc.name, required, ft.skipped, ft.failed, ft.msg)
		}
	}
}

// fakeTB records a Skip or Fatal and ends its goroutine as the real ones do.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
	env             *Env
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
