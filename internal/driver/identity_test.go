package driver

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and parentheses, as a script can set it.
	line := "4242 (we (ird) name) S 1 4242 4240 0 -1 4194560 97 0 0 0 0 0 0 0 20 0 1 0 987654 2236416 251 18446744073709551615 1 1 0 0 0 0 0 0 65536 0 0 0 17 1 0 0 0 0 0\n"
	st, err := ParseProcStat([]byte(line))
	require.NoError(t, err)
	assert.Equal(t, ProcStat{PID: 4242, State: 'S', PPID: 1, PGRP: 4242, Session: 4240, StartTicks: 987654}, st)
	assert.False(t, st.Ended())
	zombie, err := ParseProcStat([]byte(strings.Replace(line, ") S ", ") Z ", 1)))
	require.NoError(t, err)
	assert.True(t, zombie.Ended())

	for _, bad := range []string{"", "4242", "4242 (x)", "x (y) S 1 2 3", "4242 (x) S 1 2 3 4 5"} {
		_, err := ParseProcStat([]byte(bad))
		assert.ErrorIs(t, err, ErrMalformed, "%q", bad)
	}
}

func TestIdentityMatches(t *testing.T) {
	id := Identity{PID: 10, StartTicks: 500, BootID: "boot-a"}
	live := ProcStat{PID: 10, State: 'S', StartTicks: 500}
	assert.True(t, id.Matches(live, "boot-a"))
	assert.True(t, id.Matches(live, ""), "an unreadable boot id does not make a live process dead")
	reused := live
	reused.StartTicks = 900
	assert.False(t, id.Matches(reused, "boot-a"), "same pid, later start: a reused pid")
	assert.False(t, id.Matches(live, "boot-b"), "another boot")
	zombie := live
	zombie.State = 'Z'
	assert.False(t, id.Matches(zombie, "boot-a"))
	assert.False(t, Identity{PID: 10, StartTicks: 500, GoneAtLaunch: true}.Matches(live, "boot-a"))
	assert.True(t, Identity{PID: 10}.Matches(reused, "x"), "a pid-only identity compares the pid")
	assert.Equal(t, "pid 10 (started at tick 500)", id.String())
	assert.Equal(t, "pid 10", Identity{PID: 10}.String())
}

func TestParseLaunchRecord(t *testing.T) {
	cases := map[string]Identity{
		"123 456 0f-aa\n": {PID: 123, StartTicks: 456, BootID: "0f-aa"},
		"123 - 0f-aa":     {PID: 123, GoneAtLaunch: true, BootID: "0f-aa"},
		"123 456 -":       {PID: 123, StartTicks: 456},
		"123\n":           {PID: 123},
	}
	for in, want := range cases {
		got, err := ParseLaunchRecord([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "x 1 2", "0 1 2", "1 x 2", "1 2 3 4"} {
		_, err := ParseLaunchRecord([]byte(bad))
		assert.ErrorIs(t, err, ErrMalformed, "%q", bad)
	}
}

// A process is alive by its identity from the moment Start returns, while its command line can
// still read empty (the kernel is inside execve): the check that used to make healthy runs
// "lost". Many starts, each checked at once.
func TestLocalIdentityValidFromStart(t *testing.T) {
	needProc(t)
	needBash(t)
	for i := range 200 {
		cmd := exec.Command("bash", "-c", "read -r _; exit 0", "bash", "marker")
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		id, err := LocalIdentity(cmd.Process.Pid)
		require.NoError(t, err)
		require.NotZero(t, id.StartTicks)
		require.True(t, LocalAlive(id, nil), "start %d: a just-started process is alive", i)
		_ = stdin.Close()
		require.NoError(t, cmd.Wait())
		require.False(t, LocalAlive(id, nil), "start %d: reaped", i)
	}
}

func TestLocalIdentityOfZombieAndReused(t *testing.T) {
	needProc(t)
	cmd := exec.Command("true")
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	// Wait (without reaping) until it is a zombie: its stat entry stays, with state Z.
	deadline := time.Now().Add(testenv.Patience)
	for {
		b, err := os.ReadFile(ProcStatPath(pid))
		require.NoError(t, err)
		st, err := ParseProcStat(b)
		require.NoError(t, err)
		if st.Ended() {
			break
		}
		require.True(t, time.Now().Before(deadline), "not a zombie in time")
		time.Sleep(time.Millisecond)
	}
	id, err := LocalIdentity(pid)
	require.NoError(t, err)
	assert.False(t, LocalAlive(id, nil), "a zombie is not alive")
	require.NoError(t, cmd.Wait())
	gone, err := LocalIdentity(pid)
	require.NoError(t, err)
	assert.True(t, gone.GoneAtLaunch, "reaped before the identity was taken")
	assert.False(t, LocalAlive(gone, nil))

	// Another live process under a recorded pid but a different start time: not ours.
	self, err := LocalIdentity(os.Getpid())
	require.NoError(t, err)
	assert.True(t, LocalAlive(self, nil))
	other := self
	other.StartTicks++
	assert.False(t, LocalAlive(other, nil), "same pid, other start time")
	other = self
	other.BootID = "another-boot"
	assert.False(t, LocalAlive(other, nil), "same pid, other boot")
}

// The shell helpers the VM's launch and cancel scripts use name a process exactly as the Go side
// does, in POSIX sh (dash where it is /bin/sh) and in bash.
func TestProcFuncsAgreeWithGo(t *testing.T) {
	needProc(t)
	for _, shell := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(shell); err != nil {
			testenv.SkipOrFail(t, shell+" not installed")
		}
		t.Run(shell, func(t *testing.T) {
			script := ProcFuncs + `sleep 1000 & p=$! # killed below; never ends by itself, however slow the test
_amlgo_identity "$p"
read -r line
_amlgo_is "$p" $line && echo alive || echo dead
kill "$p"; wait "$p"
_amlgo_is "$p" $line && echo alive || echo dead
_amlgo_identity "$p"
_amlgo_group_alive $$ "$(_amlgo_stat self; echo "$_amlgo_st_sid")" && echo group || echo nogroup
_amlgo_group_alive 999999999 1 && echo group || echo nogroup
`
			cmd := exec.Command(shell, "-c", script)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // $$ leads its own group
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			buf := make([]byte, 256)
			n, err := stdout.Read(buf)
			require.NoError(t, err)
			first := strings.TrimSpace(string(buf[:n]))
			id, err := ParseLaunchRecord([]byte(first))
			require.NoError(t, err, first)
			assert.NotZero(t, id.StartTicks)
			assert.Equal(t, LocalBootID(), id.BootID)
			assert.True(t, LocalAlive(id, nil), "the shell's identity of its child matches Go's")
			goID, err := LocalIdentity(id.PID)
			require.NoError(t, err)
			assert.Equal(t, goID, id)
			_, err = stdin.Write([]byte(strings.TrimPrefix(first, strconv.Itoa(id.PID)+" ") + "\n"))
			require.NoError(t, err)
			rest := make([]byte, 0, 256)
			for {
				n, err := stdout.Read(buf)
				rest = append(rest, buf[:n]...)
				if err != nil {
					break
				}
			}
			require.NoError(t, cmd.Wait())
			lines := strings.Split(strings.TrimSpace(string(rest)), "\n")
			require.Len(t, lines, 5, string(rest))
			assert.Equal(t, "alive", lines[0])
			assert.Equal(t, "dead", lines[1], "after it was reaped")
			gone, err := ParseLaunchRecord([]byte(lines[2]))
			require.NoError(t, err)
			assert.True(t, gone.GoneAtLaunch, lines[2])
			assert.Equal(t, "group", lines[3], "the shell's own group in its own session")
			assert.Equal(t, "nogroup", lines[4])
		})
	}
}

func needProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.SkipOrFail(t, "no /proc")
	}
}
