// Package testenv lets tests that need a real component (python3-sklearn, sshd, dockerd, …)
// skip cleanly where it cannot exist, and fail instead when AMLGO_REQUIRE_INTEGRATION=1.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// RequireIntegrationEnv is the environment variable that turns integration skips into failures.
const RequireIntegrationEnv = "AMLGO_REQUIRE_INTEGRATION"

// Required reports whether integration tests must not skip.
func Required() bool { return os.Getenv(RequireIntegrationEnv) == "1" }

// SkipOrFail skips t with reason, or fails it when integration is required.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("integration component missing and %s=1: %s", RequireIntegrationEnv, reason)
	}
	t.Skip(reason)
}

// RepoRoot returns the directory holding go.mod, walking up from the working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// SharedDir returns ../shared next to the repository (reference files, golden outputs and the
// compatibility corpus). Tests that need it skip when it is absent; it is not an integration
// component, so the skip stays a skip in CI too.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("reference directory %s not present", dir)
	}
	return dir
}
