package experiment_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/runconfig"
)

// requireDocker returns the shared Docker test environment and points DOCKER_HOST at its
// engine for the test (the local target finds the engine the conventional way).
func requireDocker(t *testing.T) *dockertest.Env {
	t.Helper()
	env := dockertest.Require(t)
	t.Setenv("DOCKER_HOST", env.Host)
	return env
}

// containersOf lists the containers of run runID left on the engine at host.
func containersOf(t *testing.T, host, runID string) []string {
	t.Helper()
	ctx := context.Background()
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: host})
	require.NoError(t, err)
	defer eng.Close()
	names, err := eng.ListRunContainers(ctx, runID)
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
