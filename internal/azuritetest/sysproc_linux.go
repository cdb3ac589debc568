package azuritetest

import "syscall"

// sysProcAttr kills the emulator when the process that started it dies, so that a test binary
// that panics or is killed by go test's timeout leaves no server behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
