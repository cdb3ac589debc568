package mlflowtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amlgo/amlgo/internal/mlflowrest"
	"github.com/amlgo/amlgo/internal/testenv"
)

// Env names the mlflow executable of the pinned venv (.ci/run sets it).
const Env = "AMLGO_MLFLOW"

// StartPatience bounds the wait for a server to answer: an MLflow server imports a large
// Python application (and creates its database) before it listens.
const StartPatience = 3 * testenv.Patience

// Server is a running MLflow tracking server.
type Server struct {
	// URL is the API root, http://127.0.0.1:PORT (the part before /api/2.0/mlflow/...).
	URL string
	// Dir holds the SQLite backend (mlflow.db), the artifact root (artifacts/) and the
	// server's output (server.log).
	Dir string
	// Startup is how long the server took from exec to its first healthy answer.
	Startup time.Duration

	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has been waited for
	stopped sync.Once
	stopErr error
}

// Start starts a server of its own for t, stopped when t ends. Without AMLGO_MLFLOW the test
// is skipped (failed under AMLGO_REQUIRE_INTEGRATION=1); a server that does not start fails t.
func Start(t testing.TB) *Server {
	t.Helper()
	mlflow := executable(t)
	s, err := start(mlflow, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("mlflowtest: %v", err)
		}
	})
	return s
}

func executable(t testing.TB) string {
	t.Helper()
	mlflow := os.Getenv(Env)
	if mlflow == "" {
		testenv.SkipOrFail(t, Env+" is not set (the mlflow executable of a venv built from "+
			".ci/mlflow-requirements.txt: python3 -m venv VENV && VENV/bin/pip install -r "+
			".ci/mlflow-requirements.txt && export "+Env+"=$PWD/VENV/bin/mlflow)")
	}
	if fi, err := os.Stat(mlflow); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("mlflowtest: %s=%s is not an executable file", Env, mlflow)
	}
	return mlflow
}

// start runs mlflow server in dir, retrying with another port when the one it was given was
// taken between choosing and binding it.
func start(mlflow, dir string) (*Server, error) {
	var err error
	for range 3 {
		var s *Server
		s, err = startOnce(mlflow, dir)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortTaken) {
			return nil, err
		}
	}
	return nil, err
}

var errPortTaken = errors.New("port taken")

func startOnce(mlflow, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("mlflowtest: choosing a port: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "artifacts"), 0o755); err != nil {
		return nil, fmt.Errorf("mlflowtest: %w", err)
	}
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mlflowtest: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(mlflow, "server",
		"--backend-store-uri", "sqlite:///"+filepath.Join(dir, "mlflow.db"),
		"--default-artifact-root", filepath.Join(dir, "artifacts"),
		"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--workers", "1")
	cmd.Dir = dir
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("mlflowtest: starting %s server: %w", mlflow, err)
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), Dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	// Healthy means: our process says it listens on our port and /health answers OK (an
	// answer alone could come from another process that took the port).
	listening := fmt.Sprintf("running on http://127.0.0.1:%d", port)
	deadline := time.Now().Add(StartPatience)
	hc := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-s.done:
			out := s.Log()
			if strings.Contains(out, "address already in use") || strings.Contains(out, "Errno 98") {
				return nil, errPortTaken
			}
			return nil, fmt.Errorf("mlflowtest: mlflow server exited before answering (%v); its output:\n%s", cmd.ProcessState, tail(out, 4000))
		default:
		}
		if strings.Contains(s.Log(), listening) && healthy(hc, s.URL) {
			s.Startup = time.Since(began)
			return s, nil
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return nil, fmt.Errorf("mlflowtest: mlflow server did not answer on %s within %v; its output:\n%s", s.URL, StartPatience, tail(s.Log(), 4000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serverEnv is the test's environment without MLflow client settings, with the server's
// background job runner off (eight huey consumers the tests do not need).
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MLFLOW_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false", "PYTHONUNBUFFERED=1")
}

func healthy(hc *http.Client, base string) bool {
	resp, err := hc.Get(base + "/health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Log returns the server's output so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	return string(b)
}

// Client returns an mlflowrest client of the server (opts as for mlflowrest.New).
func (s *Server) Client(t testing.TB, opts *mlflowrest.Options) *mlflowrest.Client {
	t.Helper()
	c, err := mlflowrest.New(s.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Stop stops the server's whole process group: SIGTERM, then SIGKILL after 15 s; it returns
// once no process of the group is left. Calling it again returns the first result.
func (s *Server) Stop() error {
	s.stopped.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	pgid := s.cmd.Process.Pid
	// The group's members, identified (pid and start time) while the group is certainly the
	// server's: once the leader is reaped its pid, and so a "group" of that id, may be another
	// process's, which must never be signaled (a test in the same process may own it).
	members := testenv.GroupProcs(pgid)
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
	}
	// uvicorn's worker shares the group; anything of it left gets SIGKILL.
	ctx, cancel := context.WithTimeout(context.Background(), testenv.Patience)
	defer cancel()
	for {
		alive := false
		for _, p := range members {
			if p.Alive() {
				alive = true
				p.Kill(syscall.SIGKILL)
			}
		}
		if !alive {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("process group %d of the mlflow server still alive after SIGKILL", pgid)
		case <-time.After(50 * time.Millisecond):
		}
	}
	<-s.done
	return nil
}

// groupAlive reports whether process group pgid has a process that is not a zombie (a zombie
// waits for its new parent, which may be slow to reap it, and holds nothing).
func groupAlive(pgid int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		st := string(b)
		i := strings.LastIndex(st, ") ")
		if i < 0 {
			continue
		}
		f := strings.Fields(st[i+2:])
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := bytes.IndexByte([]byte(s[len(s)-n:]), '\n')
	return "…" + s[len(s)-n+i+1:]
}

// Launch starts a server outside a test (an example's or a benchmark's emulated service): mlflow
// is the executable (AMLGO_MLFLOW), dir holds its database, artifacts and log. The caller
// stops it with Stop.
func Launch(mlflow, dir string) (*Server, error) { return start(mlflow, dir) }
