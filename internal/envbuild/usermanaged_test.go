package envbuild

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrepareUserManagedResolvesInterpreter(t *testing.T) {
	want, err := exec.LookPath("sh")
	require.NoError(t, err)
	p, err := Prepare(context.Background(), Spec{UserManaged: true, InterpreterPath: "sh"}, nil)
	require.NoError(t, err)
	assert.True(t, filepath.IsAbs(p.Python))
	assert.Equal(t, want, p.Python)
	assert.Empty(t, p.Env)
	assert.Empty(t, p.EnvName)
	assert.Empty(t, p.Prefix)
}

func TestPrepareUserManagedPythonFallsBackToPython3(t *testing.T) {
	look := func(name string) (string, error) {
		if name == "python3" {
			return "/opt/py/bin/python3", nil
		}
		return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
	for _, path := range []string{"python", ""} {
		var log bytes.Buffer
		p, err := Prepare(context.Background(), Spec{UserManaged: true, InterpreterPath: path},
			&Options{ControlLog: &log, LookPath: look})
		require.NoError(t, err)
		assert.Equal(t, "/opt/py/bin/python3", p.Python)
		assert.Contains(t, log.String(),
			`interpreterPath "python" was not found on PATH; using python3 (/opt/py/bin/python3) instead`)
	}
}

func TestPrepareUserManagedNotFound(t *testing.T) {
	none := func(name string) (string, error) { return "", &exec.Error{Name: name, Err: exec.ErrNotFound} }
	for _, path := range []string{"/nonexistent/bin/python9", "python"} {
		_, err := Prepare(context.Background(), Spec{UserManaged: true, InterpreterPath: path}, &Options{LookPath: none})
		require.ErrorIs(t, err, ErrInterpreterNotFound)
		assert.Contains(t, err.Error(), `"`+path+`"`)
		assert.Contains(t, err.Error(), "environment.python.interpreterPath")
		assert.Contains(t, err.Error(), "envbuild: ")
	}
}

func TestPrepareDockerUnsupported(t *testing.T) {
	for _, spec := range []Spec{{DockerEnabled: true}, {DockerEnabled: true, UserManaged: true}} {
		_, err := Prepare(context.Background(), spec, nil)
		require.ErrorIs(t, err, ErrDockerUnsupported)
		assert.Equal(t, "envbuild: a docker-enabled environment is not prepared on the host; "+
			"its image is made on the Docker engine (internal/dockerexec)", err.Error())
	}
}
