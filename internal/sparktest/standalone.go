// Package sparktest starts real Spark and YARN daemons on loopback for tests: a standalone
// master and worker from pyspark's spark-class, and a single-node YARN ResourceManager and
// NodeManager from Apache Hadoop's jars (see YARN). Each is stopped when the test ends.
//
// A limit of the YARN cluster here: on Java 17, the NodeManager's web services answer the
// yarn CLI's authentication handshake (an HTTP OPTIONS request, which Jersey answers with a
// WADL document) with a server error, because the shaded Jersey finds no JAXB writer for WADL
// ("A message body writer for Java class org.apache.hadoop.shaded.com.sun.research.ws.wadl.
// Application ... application/vnd.sun.wadl+xml was not found"); Spark's jars already carry a
// JAXB API and runtime, and adding javax.xml.bind:jaxb-api 2.2.11 and javax.activation 1.1.1
// to the daemons' classpath does not change it.
// So `yarn logs` cannot read a running container's log here (it can on a Java 8 cluster such
// as HDInsight's); once an application ends, its aggregated logs are read from the
// remote-app-log-dir as on any cluster.
package sparktest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Standalone is a running standalone Spark master with one worker.
type Standalone struct {
	// Master is the master's URL, spark://127.0.0.1:<port>.
	Master string
	// Dir holds the daemons' logs and the worker's work directory.
	Dir string
}

// StartStandalone starts a master and a worker (2 cores, 1 GiB) of the Spark installation
// sparkHome on 127.0.0.1 and waits until the worker has registered.
func StartStandalone(t testing.TB, sparkHome string) *Standalone {
	t.Helper()
	dir := t.TempDir()
	// Readable by every user: a client-mode driver of another account fetches from here.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	s := &Standalone{Master: "spark://127.0.0.1:" + strconv.Itoa(port), Dir: dir}
	class := filepath.Join(sparkHome, "bin", "spark-class")
	env := append(os.Environ(), "SPARK_HOME="+sparkHome, "SPARK_LOCAL_IP=127.0.0.1", "SPARK_WORKER_DIR="+filepath.Join(dir, "work"))
	master := Daemon(t, filepath.Join(dir, "master.log"), env, class, "org.apache.spark.deploy.master.Master",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--webui-port", strconv.Itoa(FreePort(t)))
	WaitLog(t, master, "I have been elected leader", 120*time.Second)
	worker := Daemon(t, filepath.Join(dir, "worker.log"), env, class, "org.apache.spark.deploy.worker.Worker",
		s.Master, "--host", "127.0.0.1", "--cores", "2", "--memory", "1g", "--webui-port", strconv.Itoa(FreePort(t)),
		"--work-dir", filepath.Join(dir, "work"))
	WaitLog(t, worker, "Successfully registered with master", 120*time.Second)
	return s
}

// Daemon starts argv in its own process group with output in logFile, and kills the group
// when the test ends. It returns logFile.
func Daemon(t testing.TB, logFile string, env []string, argv ...string) string {
	t.Helper()
	return daemonAs(t, logFile, env, nil, argv...).log
}

// daemon is a started daemon: its log file and a channel closed when it has exited.
type daemon struct {
	log  string
	done <-chan struct{}
}

// daemonAs is Daemon as the account cred (nil = this process's).
func daemonAs(t testing.TB, logFile string, env []string, cred *syscall.Credential, argv ...string) *daemon {
	t.Helper()
	out, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		t.Fatalf("sparktest: starting %s: %v", argv[0], err)
	}
	out.Close()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	return &daemon{log: logFile, done: done}
}

// WaitLog waits until logFile contains s.
func WaitLog(t testing.TB, logFile, s string, limit time.Duration) {
	t.Helper()
	if err := waitLog(logFile, s, limit, nil); err != nil {
		t.Fatal(err)
	}
}

// errExited is waitLog's error when the watched daemon exits first.
var errExited = errors.New("the daemon exited")

// waitLog waits until logFile contains s, for at most limit; it gives up with errExited
// (wrapped, with the log's tail) as soon as exited is closed, if exited is not nil.
func waitLog(logFile, s string, limit time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		b, _ := os.ReadFile(logFile)
		if strings.Contains(string(b), s) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sparktest: %q not in %s after %s; it holds:\n%s", s, logFile, limit, tail(b))
		}
		select {
		case <-exited:
			// One last look: the line may have been written just before the exit.
			if b, _ = os.ReadFile(logFile); strings.Contains(string(b), s) {
				return nil
			}
			return fmt.Errorf("sparktest: %w before %q was in %s; it holds:\n%s", errExited, s, logFile, tail(b))
		case <-tick.C:
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort(t testing.TB) int {
	t.Helper()
	given.Lock()
	defer given.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		// The kernel may hand a closed port out again; a port is given once per process, so
		// two daemons of one test never get the same one.
		if !given.ports[port] {
			given.ports[port] = true
			return port
		}
	}
}

// given holds the ports FreePort has returned.
var given = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// String describes the cluster.
func (s *Standalone) String() string {
	return fmt.Sprintf("standalone Spark at %s (logs in %s)", s.Master, s.Dir)
}
