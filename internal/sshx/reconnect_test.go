package sshx_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/internal/testenv"
)

// clientPort returns the client-side TCP port of the connection a command runs over.
func clientPort(t *testing.T, ctx context.Context, c *sshx.Client) string {
	t.Helper()
	out, err := c.Output(ctx, "echo $SSH_CONNECTION")
	require.NoError(t, err)
	f := strings.Fields(string(out))
	require.Len(t, f, 4)
	return f[1]
}

func TestDropConnectionsThenRunRedials(t *testing.T) {
	srv, c := startServer(t)
	ctx := testCtx(t, 30*time.Second)
	before := clientPort(t, ctx, c)

	srv.DropConnections(t)
	require.Eventually(t, func() bool { return !c.Connected() }, testenv.Patience, 10*time.Millisecond,
		"drop not noticed")
	after := clientPort(t, ctx, c)
	assert.NotEqual(t, before, after, "a new connection was dialed")
	assert.True(t, c.Connected())
}

func TestDropConnectionsImmediatelyFollowedByRun(t *testing.T) {
	// No waiting for the drop to be noticed: opening the session on the dead
	// connection fails, and Run re-dials because nothing ran yet.
	srv, c := startServer(t)
	ctx := testCtx(t, 30*time.Second)
	for range 3 {
		srv.DropConnections(t)
		out, err := c.Output(ctx, "echo ok")
		require.NoError(t, err)
		assert.Equal(t, "ok\n", string(out))
	}
}

// dropOnceSeen drops srv's connections as soon as marker has been written to w (or ctx ends),
// and returns a channel closed when the drop is over. Waiting for a marker the remote command
// prints shows that its session is open and the command runs: a drop before that would
// (correctly) be re-dialed instead of failing the command. Callers wait for the channel before
// their next command, so that the dropped connection's processes are all gone by then.
func dropOnceSeen(t *testing.T, ctx context.Context, srv *sshtest.Server, w *testenv.Watch, marker string) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-w.Seen(marker):
			srv.DropConnections(t)
		case <-ctx.Done():
		}
	}()
	return done
}

func TestRunInterruptedByDropIsConnLost(t *testing.T) {
	srv, c := startServer(t)
	ctx := testCtx(t, 2*testenv.Patience)
	var started testenv.Watch
	dropped := dropOnceSeen(t, ctx, srv, &started, "started\n")
	err := c.Run(ctx, "echo started; sleep 60", nil, &started, nil)
	<-dropped
	require.Error(t, err)
	assert.ErrorIs(t, err, sshx.ErrConnLost)
	assert.True(t, sshx.IsConnLost(err))
	assert.True(t, strings.HasPrefix(err.Error(), "sshx: "), err.Error())
	out, err := c.Output(ctx, "echo back")
	require.NoError(t, err)
	assert.Equal(t, "back\n", string(out))
}

func TestRetry(t *testing.T) {
	srv, c := startServer(t)
	ctx := testCtx(t, 2*testenv.Patience)
	var attempts atomic.Int32
	var first testenv.Watch
	dropped := dropOnceSeen(t, ctx, srv, &first, "started\n")
	var out []byte
	err := c.Retry(ctx, func() error {
		if attempts.Add(1) == 1 {
			// Cut off by the drop once it has started: ErrConnLost, so Retry calls again.
			return c.Run(ctx, "echo started; sleep 60; echo done", nil, &first, nil)
		}
		<-dropped
		var err error
		out, err = c.Output(ctx, "echo done")
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, "done\n", string(out))
	assert.Equal(t, int32(2), attempts.Load())

	t.Run("other errors are returned at once", func(t *testing.T) {
		attempts.Store(0)
		err := c.Retry(ctx, func() error {
			attempts.Add(1)
			return c.Run(ctx, "exit 4", nil, nil, nil)
		})
		var ee *sshx.ExitError
		require.True(t, errors.As(err, &ee))
		assert.Equal(t, 4, ee.Code)
		assert.Equal(t, int32(1), attempts.Load())
	})

	t.Run("bounded by ctx", func(t *testing.T) {
		rctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := c.Retry(rctx, func() error { return sshx.ErrConnLost })
		require.Error(t, err)
		// Unbounded, Retry would go on until the test's ctx (minutes): stopping within seconds of
		// rctx's end is the property, with room for a loaded machine.
		assert.Less(t, time.Since(start), 15*time.Second)
	})
}

func TestReconnect(t *testing.T) {
	_, c := startServer(t)
	ctx := testCtx(t, 30*time.Second)
	before := clientPort(t, ctx, c)
	require.NoError(t, c.Reconnect(ctx))
	assert.NotEqual(t, before, clientPort(t, ctx, c))
}

func TestRedialWaitsForServerToComeBack(t *testing.T) {
	// While sshd refuses connections the re-dial backs off within the
	// operation's ctx; the operation fails with ErrConnLost when ctx ends first.
	srv, c := startServer(t)
	ctx := testCtx(t, 30*time.Second)
	srv.Signal(t, syscall.SIGKILL)
	require.Eventually(t, func() bool { return !c.Connected() }, testenv.Patience, 10*time.Millisecond)

	// Block new connections: make the listener stop accepting (SIGSTOP it).
	listenerStopped := stopListener(t, srv)
	short, cancel := context.WithTimeout(ctx, 800*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Output(short, "true")
	require.Error(t, err)
	// Not bounded by short, the re-dial would back off for ReconnectTimeout (2 min).
	assert.Less(t, time.Since(start), 15*time.Second)
	listenerStopped()

	out, err := c.Output(ctx, "echo up")
	require.NoError(t, err)
	assert.Equal(t, "up\n", string(out))
}

// stopListener SIGSTOPs the listening sshd; the returned func resumes it.
func stopListener(t *testing.T, srv *sshtest.Server) func() {
	t.Helper()
	pid := srv.ListenerPID()
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	return resume
}

func TestKeepAliveDetectsDeadConnection(t *testing.T) {
	// sshd at LogLevel DEBUG logs every keepalive request it receives: the test waits for them.
	srv := sshtest.StartWith(t, &sshtest.Options{LogLevel: "DEBUG"})
	ctx := testCtx(t, 2*testenv.Patience)
	log, buf := testLogger()
	cfg := srv.Config()
	cfg.KeepAlive = 500 * time.Millisecond
	cfg.Logger = log
	c := dial(t, cfg)
	_, err := c.Output(ctx, "true")
	require.NoError(t, err)
	// The client sends a keepalive only after the previous one was answered: once the server
	// has seen the fourth, three were answered, and the connection they kept alive is up.
	require.Eventually(t, func() bool {
		return strings.Count(srv.Log(), "rtype keepalive@openssh.com want_reply 1") >= 4
	}, testenv.Patience, 20*time.Millisecond, "keepalives not sent")
	require.True(t, c.Connected(), "answered keepalives keep the connection")

	srv.Signal(t, syscall.SIGSTOP)
	t.Cleanup(func() { srv.Signal(t, syscall.SIGCONT) })
	start := time.Now()
	require.Eventually(t, func() bool { return !c.Connected() }, testenv.Patience, 10*time.Millisecond)
	// Three unanswered 500 ms intervals, ~2 s: well under the 45 s or more the default 15 s
	// interval would take, which is what this bound tells apart.
	took := time.Since(start)
	t.Logf("dead connection detected after %v", took)
	assert.Less(t, took, 20*time.Second)
	assert.Contains(t, buf.String(), "keepalive")

	srv.Signal(t, syscall.SIGKILL) // the hung connection's processes
	out, err := c.Output(ctx, "echo alive")
	require.NoError(t, err)
	assert.Equal(t, "alive\n", string(out))
}

func TestUnreachable(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	base := sshx.Config{User: "nobody", Password: "x", HostKeys: sshx.HostKeyPolicy{Insecure: true}}

	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		require.NoError(t, l.Close())
		for _, p := range []int{1, port} {
			cfg := base
			cfg.Host, cfg.Port = "127.0.0.1", p
			start := time.Now()
			_, err := sshx.Dial(ctx, cfg)
			require.Error(t, err)
			// Refused at once: no wait for the 15 s DialTimeout, no re-dial.
			assert.Less(t, time.Since(start), 10*time.Second)
			assert.Contains(t, err.Error(), "127.0.0.1:"+strconv.Itoa(p))
			assert.True(t, strings.HasPrefix(err.Error(), "sshx: "), err.Error())
			assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "%v", err)
		}
	})

	t.Run("blackhole bounded by ctx", func(t *testing.T) {
		cfg := base
		cfg.Host = "10.255.255.1"
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		start := time.Now()
		_, err := sshx.Dial(dctx, cfg)
		require.Error(t, err)
		assert.Less(t, time.Since(start), 10*time.Second, "bounded by ctx (1 s), not DialTimeout (15 s)")
		t.Logf("blackhole: %v after %v", err, time.Since(start))
	})

	t.Run("local blackhole bounded by ctx", func(t *testing.T) {
		// A listener whose accept queue is full: the kernel drops further SYNs,
		// so connect hangs exactly like a blackholed address.
		port := blackhole(t)
		cfg := base
		cfg.Host, cfg.Port = "127.0.0.1", port
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		start := time.Now()
		_, err := sshx.Dial(dctx, cfg)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 10*time.Second, "bounded by ctx (1 s), not DialTimeout (15 s)")
		assert.Greater(t, time.Since(start), 900*time.Millisecond)
	})

	t.Run("local blackhole bounded by DialTimeout", func(t *testing.T) {
		cfg := base
		cfg.Host, cfg.Port = "127.0.0.1", blackhole(t)
		cfg.DialTimeout = 500 * time.Millisecond
		start := time.Now()
		_, err := sshx.Dial(ctx, cfg)
		require.Error(t, err)
		assert.Less(t, time.Since(start), 10*time.Second, "bounded by DialTimeout (500 ms), not its 15 s default")
	})

	t.Run("blackhole bounded by DialTimeout", func(t *testing.T) {
		cfg := base
		cfg.Host = "10.255.255.1"
		cfg.DialTimeout = 500 * time.Millisecond
		start := time.Now()
		_, err := sshx.Dial(ctx, cfg)
		require.Error(t, err)
		assert.Less(t, time.Since(start), 10*time.Second, "bounded by DialTimeout (500 ms), not its 15 s default")
	})

	t.Run("server that never speaks SSH", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close() // hold the connection open, say nothing
			}
		}()
		cfg := base
		cfg.Host, cfg.Port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
		dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = sshx.Dial(dctx, cfg)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 10*time.Second, "bounded by ctx (500 ms), not DialTimeout (15 s)")
	})
}

func TestClose(t *testing.T) {
	_, c := startServer(t)
	ctx := testCtx(t, 30*time.Second)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	assert.False(t, c.Connected())
	require.ErrorIs(t, c.Run(ctx, "true", nil, nil, nil), sshx.ErrClosed)
	_, err := c.SFTP(ctx)
	require.ErrorIs(t, err, sshx.ErrClosed)
	require.ErrorIs(t, c.Reconnect(ctx), sshx.ErrClosed)
}

// blackhole returns a port on 127.0.0.1 whose listener never accepts and whose
// accept queue is already full, so new connections hang in SYN_SENT.
func blackhole(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	port := sa.(*syscall.SockaddrInet4).Port
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for range 3 { // fill the queue
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	return port
}
