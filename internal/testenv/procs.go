package testenv

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Proc identifies a process from its start on: its pid and its start time in clock ticks since
// boot (/proc/<pid>/stat field 22). A pid is reused once its process is reaped; the pair is not.
type Proc struct {
	PID   int
	Start uint64
}

// procStat returns the state, process group and start time of pid.
func procStat(pid int) (state string, pgrp int, start uint64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, 0, false
	}
	s := string(b)
	i := strings.LastIndex(s, ") ")
	if i < 0 {
		return "", 0, 0, false
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 20 {
		return "", 0, 0, false
	}
	pgrp, _ = strconv.Atoi(f[2])
	start, _ = strconv.ParseUint(f[19], 10, 64)
	return f[0], pgrp, start, true
}

// GroupProcs lists the live (not zombie) processes of process group pgid, with their identities.
func GroupProcs(pgid int) []Proc {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []Proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, pg, start, ok := procStat(pid); ok && pg == pgid && st != "Z" && st != "X" {
			out = append(out, Proc{PID: pid, Start: start})
		}
	}
	return out
}

// Identify returns the identity of a live process (false when it is gone or a zombie).
func Identify(pid int) (Proc, bool) {
	st, _, start, ok := procStat(pid)
	if !ok || st == "Z" || st == "X" {
		return Proc{}, false
	}
	return Proc{PID: pid, Start: start}, true
}

// Kill sends sig to p only if p's pid still names the same process (same start time): a test
// cleaning up never signals an unrelated process that got a reused pid. It reports whether
// the process was still there.
func (p Proc) Kill(sig syscall.Signal) bool {
	_, _, start, ok := procStat(p.PID)
	if !ok || start != p.Start {
		return false
	}
	return syscall.Kill(p.PID, sig) == nil
}

// Alive reports whether p's pid still names the same live process.
func (p Proc) Alive() bool {
	st, _, start, ok := procStat(p.PID)
	return ok && start == p.Start && st != "Z" && st != "X"
}
