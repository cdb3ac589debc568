package driver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Identity names one process for the whole of its life, from fork on, and never another one: a
// pid alone is reused once the process is reaped (pids wrap at pid_max), and a process's command
// line reads empty while the kernel is still inside execve, so neither is enough to tell whether
// a run's driver still runs. The start time (field 22 of /proc/<pid>/stat, clock ticks since
// boot) is set by fork and survives exec; two processes with the same pid cannot have the same
// start time within one boot, and the boot id tells boots apart.
//
// The SDK records a driver's Identity right after starting it, while the process is still its
// unreaped child (or, on a VM, the unreaped child of the launching shell), so that the identity
// is valid even before the wrapper script has begun to run.
type Identity struct {
	// PID is the process id.
	PID int `json:"pid"`
	// StartTicks is the process's start time in clock ticks since boot; 0 when it could not
	// be read (no procfs), in which case only the pid is compared.
	StartTicks uint64 `json:"startTicks,omitempty"`
	// BootID is the kernel's boot id (/proc/sys/kernel/random/boot_id) when the process was
	// started; empty when unknown.
	BootID string `json:"bootId,omitempty"`
	// GoneAtLaunch records that the process had already ended (and been reaped) when its
	// identity was taken: it is never alive afterwards, whatever runs under its pid.
	GoneAtLaunch bool `json:"goneAtLaunch,omitempty"`
}

// String formats the identity for messages: "pid 123 (started at tick 4567)".
func (id Identity) String() string {
	if id.StartTicks == 0 {
		return "pid " + strconv.Itoa(id.PID)
	}
	return fmt.Sprintf("pid %d (started at tick %d)", id.PID, id.StartTicks)
}

// ProcStat is the part of /proc/<pid>/stat amlgo uses.
type ProcStat struct {
	PID        int
	State      byte // R, S, D, Z, X, T, ...
	PPID       int
	PGRP       int
	Session    int
	StartTicks uint64
}

// Ended reports whether the process has ended (zombie or dead) though it still has a stat entry.
func (s ProcStat) Ended() bool { return s.State == 'Z' || s.State == 'X' || s.State == 'x' }

// ParseProcStat parses the content of /proc/<pid>/stat. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from its last closing parenthesis.
func ParseProcStat(b []byte) (ProcStat, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open <= 0 || end < open {
		return ProcStat{}, fmt.Errorf("%w: /proc stat %q", ErrMalformed, truncate(b))
	}
	var st ProcStat
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:open])))
	if err != nil {
		return ProcStat{}, fmt.Errorf("%w: /proc stat pid %q", ErrMalformed, truncate(b))
	}
	st.PID = pid
	// Fields after the name: 3 state, 4 ppid, 5 pgrp, 6 session, ..., 22 starttime.
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return ProcStat{}, fmt.Errorf("%w: /proc stat %q", ErrMalformed, truncate(b))
	}
	st.State = f[0][0]
	ints := []*int{&st.PPID, &st.PGRP, &st.Session}
	for i, p := range ints {
		if *p, err = strconv.Atoi(f[1+i]); err != nil {
			return ProcStat{}, fmt.Errorf("%w: /proc stat field %d %q", ErrMalformed, 4+i, f[1+i])
		}
	}
	if st.StartTicks, err = strconv.ParseUint(f[19], 10, 64); err != nil {
		return ProcStat{}, fmt.Errorf("%w: /proc stat starttime %q", ErrMalformed, f[19])
	}
	return st, nil
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// Matches reports whether st (and the current boot id) describe the process id names, still
// running: same pid, same start time, same boot, not a zombie.
func (id Identity) Matches(st ProcStat, bootID string) bool {
	switch {
	case id.GoneAtLaunch || id.PID <= 0 || st.PID != id.PID || st.Ended():
		return false
	case id.StartTicks != 0 && st.StartTicks != id.StartTicks:
		return false // the pid was reused
	case id.BootID != "" && bootID != "" && bootID != id.BootID:
		return false // the machine restarted
	}
	return true
}

// ProcStatPath is the /proc stat file of pid.
func ProcStatPath(pid int) string { return "/proc/" + strconv.Itoa(pid) + "/stat" }

// BootIDPath is the file holding the kernel's boot id.
const BootIDPath = "/proc/sys/kernel/random/boot_id"

var localBoot = sync.OnceValue(func() string {
	b, err := os.ReadFile(BootIDPath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

// LocalBootID returns this machine's boot id, "" where procfs does not have it. It cannot change
// while this process lives, so it is read once.
func LocalBootID() string { return localBoot() }

// ErrNoProcFS means /proc is not available, so a process cannot be identified beyond its pid.
var ErrNoProcFS = errors.New("driver: /proc is not available")

// LocalIdentity returns the identity of local process pid. Call it while pid is an unreaped
// child of this process, right after starting it: then the pid cannot have been reused. When the
// process has no /proc entry (already reaped), the identity is GoneAtLaunch. Without procfs it
// returns the pid-only identity and ErrNoProcFS.
func LocalIdentity(pid int) (Identity, error) {
	id := Identity{PID: pid, BootID: LocalBootID()}
	b, err := os.ReadFile(ProcStatPath(pid))
	if err != nil {
		if _, serr := os.Stat("/proc/self/stat"); serr != nil {
			return Identity{PID: pid}, ErrNoProcFS
		}
		id.GoneAtLaunch = true
		return id, nil
	}
	st, err := ParseProcStat(b)
	if err != nil {
		return id, err
	}
	id.StartTicks = st.StartTicks
	return id, nil
}

// LocalAlive reports whether the local process id names still runs. Without procfs it falls back
// to whether a process with that pid exists (exists reports that, e.g. with kill(pid, 0); nil
// means it cannot be told, and the process is taken to be gone).
func LocalAlive(id Identity, exists func(pid int) bool) bool {
	if id.GoneAtLaunch || id.PID <= 0 {
		return false
	}
	b, err := os.ReadFile(ProcStatPath(id.PID))
	if err != nil {
		if _, serr := os.Stat("/proc/self/stat"); serr != nil && exists != nil {
			return exists(id.PID)
		}
		return false
	}
	st, err := ParseProcStat(b)
	if err != nil {
		return false
	}
	return id.Matches(st, LocalBootID())
}

// ParseLaunchRecord parses the line a remote launch prints and records: "<pid> <starttime|->
// <boot id|->", where "-" for the start time means the process was already gone (reaped) when
// the launching shell looked, and "-" for the boot id means it is unknown. A bare pid (written by
// earlier versions) parses as a pid-only identity.
func ParseLaunchRecord(b []byte) (Identity, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 || len(f) > 3 {
		return Identity{}, fmt.Errorf("%w: launch record %q", ErrMalformed, truncate(b))
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return Identity{}, fmt.Errorf("%w: launch record pid %q", ErrMalformed, f[0])
	}
	id := Identity{PID: pid}
	if len(f) >= 2 {
		if f[1] == "-" {
			id.GoneAtLaunch = true
		} else if id.StartTicks, err = strconv.ParseUint(f[1], 10, 64); err != nil {
			return Identity{}, fmt.Errorf("%w: launch record start time %q", ErrMalformed, f[1])
		}
	}
	if len(f) == 3 && f[2] != "-" {
		id.BootID = f[2]
	}
	return id, nil
}

// LocalGroupAlive reports whether a live (not zombie) process of this machine is in process
// group pgid of session sid; known is false without procfs.
func LocalGroupAlive(pgid, sid int) (alive, known bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(ProcStatPath(pid))
		if err != nil {
			continue
		}
		if st, err := ParseProcStat(b); err == nil && st.PGRP == pgid && st.Session == sid && !st.Ended() {
			return true, true
		}
	}
	return false, true
}
