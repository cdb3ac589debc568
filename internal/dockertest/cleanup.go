package dockertest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/amlgo/amlgo/internal/testenv"
)

// cleanup stops dockerd, kills what survives it (containerd, shims and containers, after Kill or
// with LiveRestore), unmounts everything below the daemon's directory and removes it.
func (d *Daemon) cleanup(t testing.TB) {
	if _, err := d.signal(syscall.SIGTERM); err != nil {
		t.Logf("dockertest: cleanup: %v", err)
	}
	if pids := d.killLeftovers(); len(pids) > 0 {
		t.Logf("dockertest: cleanup: killed leftover processes of %s: %v", d.dir, pids)
	}
	for attempt := 0; attempt < 5; attempt++ {
		mps := mountsUnder(d.dir)
		if len(mps) == 0 {
			break
		}
		for _, mp := range mps {
			_ = syscall.Unmount(mp, syscall.MNT_DETACH)
		}
	}
	if mps := mountsUnder(d.dir); len(mps) > 0 {
		t.Errorf("dockertest: cleanup: still mounted: %v", mps)
		return
	}
	if err := os.RemoveAll(d.dir); err != nil {
		t.Errorf("dockertest: cleanup: %v", err)
	}
}

// killLeftovers SIGKILLs every process whose command line names the daemon's exec root (its
// containerd and the shims) and all their descendants (the containers), children first, and
// waits (up to testenv.Patience) until they are gone. It returns the pids it killed.
func (d *Daemon) killLeftovers() []int {
	marker := []byte(filepath.Join(d.dir, "exec") + "/")
	procs := listProcs()
	var roots []int
	for pid, p := range procs {
		if bytes.Contains(p.cmdline, marker) {
			roots = append(roots, pid)
		}
	}
	if len(roots) == 0 {
		return nil
	}
	children := map[int][]int{}
	for pid, p := range procs {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	seen := map[int]bool{}
	var order []int // parents before children
	queue := append([]int(nil), roots...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		order = append(order, pid)
		queue = append(queue, children[pid]...)
	}
	// By identity, not by pid alone: a process of the listing may have exited since, and its
	// pid may already be another test's process.
	for i := len(order) - 1; i >= 0; i-- {
		testenv.Proc{PID: order[i], Start: procs[order[i]].start}.Kill(syscall.SIGKILL)
	}
	deadline := time.Now().Add(testenv.Patience)
	for time.Now().Before(deadline) {
		alive := false
		for _, pid := range order {
			if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !zombie(st) {
				alive = true
				break
			}
		}
		if !alive {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return order
}

// proc is what killLeftovers needs of a process.
type proc struct {
	ppid    int
	start   uint64 // start time in ticks since boot: with the pid, the process's identity
	cmdline []byte
}

// listProcs reads the parent and command line of every process.
func listProcs() map[int]proc {
	entries, _ := os.ReadDir("/proc")
	out := map[int]proc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil || zombie(st) {
			continue
		}
		i := bytes.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(st[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(string(f[1]))
		var start uint64
		if len(f) > 19 {
			start, _ = strconv.ParseUint(string(f[19]), 10, 64)
		}
		cl, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		out[pid] = proc{ppid: ppid, start: start, cmdline: bytes.ReplaceAll(cl, []byte{0}, []byte{' '})}
	}
	return out
}

// zombie reports whether a /proc/PID/stat line is that of a zombie (or dead) process.
func zombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	s := stat[i+2]
	return s == 'Z' || s == 'X' || s == 'x'
}
