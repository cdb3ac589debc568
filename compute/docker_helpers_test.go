package compute_test

import (
	"context"
	"strings"
	"testing"

	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/runconfig"
)

// requireDocker is the shared Docker test environment (internal/dockertest).
func requireDocker(t *testing.T) *dockertest.Env {
	t.Helper()
	return dockertest.Require(t)
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
