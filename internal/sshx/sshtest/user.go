package sshtest

import (
	"os"
	"os/exec"
	"os/user"
	"strings"
	"syscall"
	"testing"
)

// userLock serializes test-user setup across concurrently running test binaries.
const userLock = "/run/amlgo-sshtest.lock"

// ensureUser creates the test user if missing, sets its password, makes its
// home 0755 and returns the home directory.
func ensureUser(t testing.TB) string {
	t.Helper()
	f, err := os.OpenFile(userLock, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("sshtest: lock %s: %v", userLock, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)

	if _, err := user.Lookup(User); err != nil {
		if _, err := exec.LookPath("useradd"); err != nil {
			t.Fatalf("sshtest: user %s missing and useradd not found", User)
		}
		if out, err := exec.Command("useradd", "-m", "-s", "/bin/bash", User).CombinedOutput(); err != nil {
			t.Fatalf("sshtest: useradd %s: %v: %s", User, err, out)
		}
	}
	u, err := user.Lookup(User)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	chpasswd := exec.Command("chpasswd")
	chpasswd.Stdin = strings.NewReader(User + ":" + Password + "\n")
	if out, err := chpasswd.CombinedOutput(); err != nil {
		t.Fatalf("sshtest: chpasswd: %v: %s", err, out)
	}
	if err := os.MkdirAll(u.HomeDir, 0o755); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	if err := os.Chmod(u.HomeDir, 0o755); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	return u.HomeDir
}
