package experiment_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
)

// dockerEnv is the shared Docker test environment (internal/dockertest/setup.sh).
type dockerEnv struct {
	Host             string `json:"host"`
	Socket           string `json:"socket"`
	PythonImage      string `json:"pythonImage"`
	SklearnImage     string `json:"sklearnImage"`
	Registry         string `json:"registry"`
	RegistryUser     string `json:"registryUser"`
	RegistryPassword string `json:"registryPassword"`
	RegistryImage    string `json:"registryImage"`
}

// requireDocker returns the shared Docker test environment and points DOCKER_HOST at its
// engine for the test (the local target finds the engine the conventional way).
func requireDocker(t *testing.T) *dockerEnv {
	t.Helper()
	p := os.Getenv("AMLGO_DOCKER_ENV")
	if p == "" {
		testenv.SkipOrFail(t, "AMLGO_DOCKER_ENV is not set (run internal/dockertest/setup.sh)")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		testenv.SkipOrFail(t, err.Error())
	}
	var e dockerEnv
	require.NoError(t, json.Unmarshal(b, &e))
	t.Setenv("DOCKER_HOST", e.Host)
	return &e
}

// engine connects to the test engine.
func (e *dockerEnv) engine(t *testing.T) *dockerexec.Engine {
	t.Helper()
	eng, err := dockerexec.Connect(context.Background(), &dockerexec.ConnectOptions{Host: e.Host})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	return eng
}

// containersOf lists the containers of run runID left on the engine.
func (e *dockerEnv) containersOf(t *testing.T, runID string) []string {
	t.Helper()
	names, err := e.engine(t).ListRunContainers(context.Background(), runID)
	require.NoError(t, err)
	return names
}

// dockerRC runs in a container of image with the image's python3 (user-managed).
func dockerRC(image string) *runconfig.RunConfiguration {
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = image
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	return rc
}
