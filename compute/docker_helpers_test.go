package compute_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

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
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

// dockerRC runs python3 of image, user-managed, in Docker.
func dockerRC(image string) *runconfig.RunConfiguration {
	rc := runconfig.New()
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = image
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	return rc
}

// removeRunContainers removes, when the test ends, the run containers the test left on the
// engine (the conformance suite does not collect every run; experiment does).
func removeRunContainers(t *testing.T, host string, runIDs ...string) {
	t.Cleanup(func() {
		ctx := context.Background()
		eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: host})
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		defer eng.Close()
		names, err := eng.ListRunContainers(ctx, "")
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		for _, n := range names {
			for _, id := range runIDs {
				if strings.HasPrefix(n, "amlgo-"+id) {
					_ = eng.Remove(ctx, n)
				}
			}
		}
	})
}
