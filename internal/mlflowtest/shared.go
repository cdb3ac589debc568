package mlflowtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var shared struct {
	mu      sync.Mutex
	enabled bool // Main is running the tests
	server  *Server
	dir     string
	err     error // the first start's failure, repeated to every later caller
}

// Main runs the tests of a package that uses Shared, then stops the shared server (if one was
// started) and returns the exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(mlflowtest.Main(m)) }
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.enabled = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.server != nil {
		if err := shared.server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "mlflowtest:", err)
			if code == 0 {
				code = 1
			}
		}
		shared.server = nil
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	return code
}

// Shared returns the test process's shared server, starting it on first use; Main stops it.
// Tests that share it must not depend on being alone on it: each uses experiments and runs of
// its own (names with t.Name(), say). Skips as Start does; fails t when the package's TestMain
// does not call Main, or when the server could not start (every later caller fails the same).
func Shared(t testing.TB) *Server {
	t.Helper()
	mlflow := executable(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.enabled {
		t.Fatal("mlflowtest.Shared needs the package's TestMain to run the tests with mlflowtest.Main")
	}
	if shared.server == nil && shared.err == nil {
		dir, err := os.MkdirTemp("", "amlgo-mlflow-")
		if err != nil {
			shared.err = fmt.Errorf("mlflowtest: %w", err)
		} else {
			shared.dir = dir
			shared.server, shared.err = start(mlflow, dir)
			if shared.err == nil {
				t.Logf("mlflowtest: shared MLflow server at %s started in %v", shared.server.URL, shared.server.Startup)
			}
		}
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.server
}
