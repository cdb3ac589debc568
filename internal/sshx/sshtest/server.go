// Package sshtest starts a real OpenSSH sshd on 127.0.0.1 for tests of sshx
// and of the packages built on it (remote compute targets).
//
// Start needs root and /usr/sbin/sshd (Debian: apt-get install -y
// openssh-server); without them the test is skipped, or failed when
// AMLGO_REQUIRE_INTEGRATION=1. Each Server has its own port, host key, client
// keys and known_hosts file; all of them log in as the shared local user
// "amlgotest", whose authorized keys are read from the Server's own directory,
// so servers started by concurrently running test binaries do not interfere.
package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/internal/testenv"
)

// Paths and names used by Start.
const (
	SSHDPath       = "/usr/sbin/sshd"
	SFTPServerPath = "/usr/lib/openssh/sftp-server"
	// User is the local account the servers log in as.
	User = "amlgotest"
	// Password is User's password (set with chpasswd on every Start).
	Password = "amlgo-Test-pw-1"
	// KeyPassphrase protects Server.EncryptedKeyFile.
	KeyPassphrase = "amlgo key passphrase"
)

// Server is a running sshd. All fields are read-only.
type Server struct {
	Host     string // "127.0.0.1"
	Port     int
	User     string // User
	Password string // Password
	// KeyFile is the client's private key (ed25519, OpenSSH format, no passphrase).
	KeyFile string
	// EncryptedKeyFile is a second authorized client key, encrypted with KeyPassphrase.
	EncryptedKeyFile string
	KeyPassphrase    string
	// KnownHostsFile lists the server's (only) host key for [127.0.0.1]:Port.
	KnownHostsFile string
	// HostPublicKey is the server's ed25519 host key as an authorized_keys line.
	HostPublicKey string
	// Dir holds the keys, sshd_config, sshd.log and authorized_keys (mode 0755).
	Dir string
	// Home is User's home directory (mode 0755, so test artifacts are inspectable).
	Home string

	cmd    *exec.Cmd
	waited chan struct{}
}

// Options tune a Server started with StartWith. The zero value is Start's setup.
type Options struct {
	// LogLevel is sshd's LogLevel (default VERBOSE). DEBUG logs, among much else, every global
	// request a connection receives, such as the client's keepalive@openssh.com.
	LogLevel string
}

// Start starts sshd in the foreground (-D) as a child of the test process and
// stops it (and every connection it serves) in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, nil)
}

// StartWith is Start with options; o may be nil.
func StartWith(t testing.TB, o *Options) *Server {
	t.Helper()
	logLevel := "VERBOSE"
	if o != nil && o.LogLevel != "" {
		logLevel = o.LogLevel
	}
	if os.Geteuid() != 0 {
		testenv.SkipOrFail(t, "sshtest: needs root to run sshd and manage the test user")
	}
	for _, p := range []string{SSHDPath, SFTPServerPath} {
		if _, err := os.Stat(p); err != nil {
			testenv.SkipOrFail(t, "sshtest: "+p+" missing (apt-get install -y openssh-server)")
		}
	}
	home := ensureUser(t)

	dir, err := os.MkdirTemp("", "amlgo-sshtest-")
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the user reads authorized_keys from here
		t.Fatalf("sshtest: %v", err)
	}
	s := &Server{Host: "127.0.0.1", User: User, Password: Password, KeyPassphrase: KeyPassphrase, Dir: dir, Home: home}

	hostPub := writeKey(t, filepath.Join(dir, "host_ed25519"), "")
	s.HostPublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostPub)))
	s.KeyFile = filepath.Join(dir, "client_ed25519")
	clientPub := writeKey(t, s.KeyFile, "")
	s.EncryptedKeyFile = filepath.Join(dir, "client_encrypted_ed25519")
	encPub := writeKey(t, s.EncryptedKeyFile, KeyPassphrase)
	authKeys := filepath.Join(dir, "authorized_keys")
	writeFile(t, authKeys, append(ssh.MarshalAuthorizedKey(clientPub), ssh.MarshalAuthorizedKey(encPub)...), 0o644)

	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		if lastErr = s.start(t, port, authKeys, logLevel); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("sshtest: start sshd: %v", lastErr)
	}
	s.KnownHostsFile = filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))}, hostPub)
	writeFile(t, s.KnownHostsFile, []byte(line+"\n"), 0o644)
	return s
}

// start writes sshd_config for port and runs sshd until it accepts connections.
func (s *Server) start(t testing.TB, port int, authKeys, logLevel string) error {
	cfgPath := filepath.Join(s.Dir, "sshd_config")
	logPath := filepath.Join(s.Dir, "sshd.log")
	cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile none
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile %s
StrictModes no
PermitRootLogin no
AllowUsers %s
UsePAM yes
UseDNS no
PrintMotd no
MaxStartups 100
MaxSessions 100
MaxAuthTries 10
Subsystem sftp %s
LogLevel %s
`, port, filepath.Join(s.Dir, "host_ed25519"), authKeys, User, SFTPServerPath, logLevel)
	writeFile(t, cfgPath, []byte(cfg), 0o644)
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return err
	}
	_ = os.Chmod("/run/sshd", 0o755)
	if out, err := exec.Command(SSHDPath, "-t", "-f", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("sshtest: sshd -t: %v: %s", err, out)
	}
	_ = os.Remove(logPath)
	cmd := exec.Command(SSHDPath, "-D", "-f", cfgPath, "-E", logPath)
	if err := cmd.Start(); err != nil {
		return err
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(port))
	deadline := time.Now().Add(testenv.Patience)
	for {
		select {
		case <-waited:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("sshd exited: %s", bytes.TrimSpace(log))
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-waited
			return fmt.Errorf("sshd did not accept connections within %v", testenv.Patience)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Port, s.cmd, s.waited = port, cmd, waited
	t.Cleanup(s.stop)
	return nil
}

// stop kills the connections and the listener.
func (s *Server) stop() {
	_ = s.signalConnections(syscall.SIGCONT) // in case a test left them stopped
	_ = s.signalConnections(syscall.SIGKILL)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.waited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.waited
	}
}

// Config returns an sshx.Config for this server: key auth (KeyFile) and the
// server's KnownHostsFile.
func (s *Server) Config() sshx.Config {
	return sshx.Config{
		Host:           s.Host,
		Port:           s.Port,
		User:           s.User,
		PrivateKeyFile: s.KeyFile,
		HostKeys:       sshx.HostKeyPolicy{KnownHostsFile: s.KnownHostsFile},
	}
}

// Addr returns "127.0.0.1:<port>".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// ListenerPID returns the process id of the listening sshd.
func (s *Server) ListenerPID() int { return s.cmd.Process.Pid }

// ConnPIDs returns the live process ids serving connections: every descendant of
// the listening sshd (per-connection monitors, their unprivileged children
// and the commands they run), zombies excepted.
func (s *Server) ConnPIDs(t testing.TB) []int {
	t.Helper()
	tab := readProcs()
	var out []int
	for _, pid := range tab.descendants(s.cmd.Process.Pid) {
		if !tab[pid].zombie {
			out = append(out, pid)
		}
	}
	return out
}

// Signal sends sig to every process serving a connection that exists when it is
// called, but not to the listener. SIGSTOP makes connections hang without
// closing them (SIGCONT resumes them); SIGKILL drops them (see DropConnections).
func (s *Server) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := s.signalConnections(sig); err != nil {
		t.Errorf("sshtest: %v", err) // Errorf: Signal may be called from any goroutine
	}
}

// DropConnections kills (SIGKILL) every process serving a connection that exists
// when it is called, and what it runs, but not the listener, and returns once
// they are all dead: clients see their connection drop and can connect again, and
// no connection made after DropConnections returns is touched. It may be called
// from any goroutine.
func (s *Server) DropConnections(t testing.TB) {
	t.Helper()
	s.Signal(t, syscall.SIGKILL)
}

// signalConnections signals the connections' processes: the listener's
// descendants when it is called and, as long as new ones turn up, the processes in
// their sessions and their descendants. A process forked just as its parent was
// signaled is no longer a descendant of the listener once the parent dies, but it
// stays in its session: sshd's per-connection monitor starts a session that its
// unprivileged child (which holds the client's socket) shares. For SIGKILL it
// waits (up to testenv.Patience) until every process it signaled is dead.
func (s *Server) signalConnections(sig syscall.Signal) error {
	listener := s.cmd.Process.Pid
	tab := readProcs()
	own := tab[listener].sid // the test's own session, never a connection's
	// Everything is matched by identity (pid and start time), never by a pid alone: between two
	// readings a signaled process may be reaped and its pid, or its session's id, reused by
	// another test's process (another package's tests run at the same time), which must never be
	// signaled. seen holds every process of an earlier reading.
	signaled := map[int]uint64{}
	sids := map[int]bool{}
	seen := map[int]uint64{}
	for pid, p := range tab {
		seen[pid] = p.start
	}
	same := func(pid int, p procInfo, m map[int]uint64) bool { s, ok := m[pid]; return ok && s == p.start }
	roots := tab.descendants(listener)
	deadline := time.Now().Add(testenv.Patience)
	for {
		var batch []int
		add := func(pid int) {
			p, ok := tab[pid]
			if !ok || p.zombie || same(pid, p, signaled) || pid == listener {
				return
			}
			batch = append(batch, pid)
			signaled[pid] = p.start
			if p.sid != own && p.sid > 1 {
				sids[p.sid] = true
			}
		}
		for _, pid := range roots {
			add(pid)
		}
		// Processes in known sessions (seen before: a new process of a reused session id is not
		// the connection's), or whose parent is a signaled process (the same one: its pid may
		// have been reused), and their descendants.
		for pid, p := range tab {
			parent, hasParent := tab[p.ppid]
			childOfSignaled := hasParent && same(p.ppid, parent, signaled)
			inSession := sids[p.sid] && same(pid, p, seen)
			if pid != listener && (inSession || childOfSignaled) && !same(pid, p, signaled) {
				add(pid)
				for _, d := range tab.descendants(pid) {
					add(d)
				}
			}
		}
		if len(batch) == 0 {
			return nil
		}
		for _, pid := range batch {
			if cur, ok := readProc(pid); ok && cur.start == signaled[pid] {
				_ = syscall.Kill(pid, sig)
			}
		}
		if sig == syscall.SIGKILL {
			for {
				tab = readProcs()
				alive := 0
				for pid, start := range signaled {
					if p, ok := tab[pid]; ok && !p.zombie && p.start == start {
						alive++
					}
				}
				if alive == 0 {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("%d connection processes still alive %v after SIGKILL", alive, testenv.Patience)
				}
				time.Sleep(2 * time.Millisecond)
			}
		} else {
			tab = readProcs()
		}
		for pid, p := range tab {
			if _, ok := seen[pid]; !ok {
				seen[pid] = p.start
			}
		}
		roots = nil
	}
}

// Exec runs cmd as the test user with the system ssh client (independent of
// sshx) and returns its stdout; a non-zero exit fails the test.
func (s *Server) Exec(t testing.TB, cmd string) string {
	t.Helper()
	c := exec.Command("ssh", "-p", strconv.Itoa(s.Port), "-i", s.KeyFile,
		"-o", "UserKnownHostsFile="+s.KnownHostsFile, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10", "-F", "/dev/null",
		s.User+"@"+s.Host, "--", cmd)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("sshtest: ssh %s %q: %v\nstderr: %s", s.Addr(), cmd, err, stderr.String())
	}
	return stdout.String()
}

// Log returns sshd's log so far (for failure messages).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "sshd.log"))
	return string(b)
}

// procInfo is what signalConnections needs of a process.
type procInfo struct {
	ppid, sid int
	start     uint64 // start time in ticks since boot: with the pid, the process's identity
	zombie    bool
}

// procMap maps the pids of all processes to their parent, session and state.
type procMap map[int]procInfo

// readProcs reads /proc/<pid>/stat of every process.
func readProcs() procMap {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return readProcsOf(pids)
}

// readProcsOf reads /proc/<pid>/stat of the given processes.
func readProcsOf(pids []int) procMap {
	tab := procMap{}
	for _, pid := range pids {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp session ...; comm may contain spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 20 {
			continue
		}
		ppid, err1 := strconv.Atoi(f[1])
		sid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		start, _ := strconv.ParseUint(f[19], 10, 64)
		tab[pid] = procInfo{ppid: ppid, sid: sid, start: start, zombie: f[0] == "Z" || f[0] == "X"}
	}
	return tab
}

// readProc reads one process's entry (false when it is gone).
func readProc(pid int) (procInfo, bool) {
	tab := readProcsOf([]int{pid})
	p, ok := tab[pid]
	return p, ok
}

// descendants returns the pids of all descendants of root, parents first.
func (tab procMap) descendants(root int) []int {
	children := map[int][]int{}
	for pid, p := range tab {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeKey generates an ed25519 key, writes it in OpenSSH format to path
// (encrypted when passphrase != "") and path+".pub", and returns the public key.
func writeKey(t testing.TB, path, passphrase string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "amlgo-sshtest")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "amlgo-sshtest", []byte(passphrase))
	}
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	writeFile(t, path, pem.EncodeToMemory(block), 0o600)
	writeFile(t, path+".pub", ssh.MarshalAuthorizedKey(sshPub), 0o644)
	return sshPub
}

func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
}
