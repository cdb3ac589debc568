package sshx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Client is an SSH client for one server. It is safe for concurrent use. It
// holds exactly one underlying connection; after that connection drops (or a
// keepalive goes unanswered) the next operation dials a new one, with
// exponential backoff bounded by that operation's ctx and Config.ReconnectTimeout.
type Client struct {
	cfg  Config // defaults applied
	log  *slog.Logger
	auth *authenticator

	dialSem chan struct{} // capacity 1: at most one dial in flight

	mu     sync.Mutex
	cur    *conn
	gen    uint64
	closed bool
}

// conn is one SSH connection and what hangs off it.
type conn struct {
	gen    uint64
	client *ssh.Client
	log    *slog.Logger

	dead     chan struct{} // closed once the connection is dead
	deadOnce sync.Once
	cause    error // why it died; written before dead is closed

	sftpMu sync.Mutex // serializes SFTP client creation
	sftp   atomic.Pointer[sftp.Client]
}

// Dial validates cfg, connects to the server and authenticates. It makes a
// single attempt, bounded by ctx and cfg.DialTimeout; see the package doc for
// how later re-dials behave.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	auth, err := newAuthenticator(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger, auth: auth, dialSem: make(chan struct{}, 1)}
	cn, err := c.dialOnce(ctx)
	if err != nil {
		return nil, err
	}
	c.install(cn)
	return c, nil
}

// String describes the client's server and settings (never secrets).
func (c *Client) String() string { return c.cfg.String() }

// Conn returns the current underlying *ssh.Client, re-dialing first if the
// connection is dead. It is for what sshx does not wrap (port forwarding,
// custom requests); do not Close it — use Client.Close or Client.Reconnect.
func (c *Client) Conn(ctx context.Context) (*ssh.Client, error) {
	cn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return cn.client, nil
}

// Connected reports whether the Client currently holds a connection it
// believes alive (no network round trip: a connection that died since the
// last keepalive still counts as alive).
func (c *Client) Connected() bool {
	c.mu.Lock()
	cur, closed := c.cur, c.closed
	c.mu.Unlock()
	return !closed && cur != nil && cur.alive()
}

// Reconnect closes the current connection, if any, and dials a fresh one
// (with backoff, bounded by ctx). Callers use it after ErrConnLost or when they
// suspect a half-dead connection.
func (c *Client) Reconnect(ctx context.Context) error {
	c.mu.Lock()
	cur, closed := c.cur, c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if cur != nil {
		cur.kill(errors.New("reconnect requested"))
	}
	_, err := c.get(ctx)
	return err
}

// Close closes the connection. Operations after Close fail with ErrClosed.
// Close is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	cur := c.cur
	c.closed = true
	c.cur = nil
	c.mu.Unlock()
	if cur != nil {
		cur.kill(ErrClosed)
	}
	return nil
}

// generation returns the id of the current connection (0 if none).
func (c *Client) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return 0
	}
	return c.cur.gen
}

// invalidate marks the connection with id gen dead if it is still current.
func (c *Client) invalidate(gen uint64, cause error) {
	c.mu.Lock()
	cur := c.cur
	c.mu.Unlock()
	if cur != nil && cur.gen == gen {
		cur.kill(cause)
	}
}

// get returns a live connection, re-dialing if the current one is dead.
func (c *Client) get(ctx context.Context) (*conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sshx: %s: %w", c.cfg.addr(), err)
	}
	c.mu.Lock()
	cur, closed := c.cur, c.closed
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if cur != nil && cur.alive() {
		return cur, nil
	}
	select {
	case c.dialSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("sshx: waiting for reconnect to %s: %w", c.cfg.addr(), ctx.Err())
	}
	defer func() { <-c.dialSem }()
	// Another goroutine may have re-dialed while we waited.
	c.mu.Lock()
	cur, closed = c.cur, c.closed
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if cur != nil && cur.alive() {
		return cur, nil
	}
	cn, err := c.redial(ctx)
	if err != nil {
		return nil, err
	}
	if !c.install(cn) {
		return nil, ErrClosed
	}
	return cn, nil
}

// redial dials until it succeeds, a permanent error occurs (authentication,
// host key, configuration) or the deadline — ctx, capped by
// Config.ReconnectTimeout — passes. Waits between attempts grow 100ms→5s.
func (c *Client) redial(ctx context.Context) (*conn, error) {
	rctx, cancel := context.WithTimeout(ctx, c.cfg.ReconnectTimeout)
	defer cancel()
	addr := c.cfg.addr()
	c.log.Info("sshx: re-dialing", "addr", addr)
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		cn, err := c.dialOnce(rctx)
		if err == nil {
			c.log.Info("sshx: reconnected", "addr", addr, "attempts", attempt)
			return cn, nil
		}
		if rctx.Err() == nil && !IsConnLost(err) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, err // permanent: auth, host key, bad key file, ...
		}
		if rctx.Err() != nil {
			return nil, fmt.Errorf("%w: reconnect to %s failed after %d attempt(s): %w", ErrConnLost, addr, attempt, err)
		}
		c.log.Debug("sshx: re-dial failed", "addr", addr, "attempt", attempt, "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-rctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: reconnect to %s failed after %d attempt(s): %w", ErrConnLost, addr, attempt, err)
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// dialOnce makes one connection attempt bounded by ctx and DialTimeout.
func (c *Client) dialOnce(ctx context.Context) (*conn, error) {
	addr := c.cfg.addr()
	hk, err := newHostKeyCheck(c.cfg, addr, c.log)
	if err != nil {
		return nil, err
	}
	methods, release, err := c.auth.methods()
	if err != nil {
		return nil, err
	}
	defer release()

	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sshx: dial %s: %w", addr, ctxErr(ctx, dctx, err))
	}
	// Bound the handshake by the same deadline, and abort it when ctx ends.
	if dl, ok := dctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(dctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	sc, chans, reqs, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User:              c.cfg.User,
		Auth:              methods,
		HostKeyCallback:   hk.callback,
		HostKeyAlgorithms: hk.algorithms,
	})
	if !stop() && err == nil {
		_ = sc.Close()
		err = dctx.Err()
	}
	if err != nil {
		_ = nc.Close()
		if hk.err != nil {
			return nil, hk.err
		}
		if ae := c.auth.wrapAuthError(err, c.cfg.User, addr); ae != nil {
			return nil, ae
		}
		return nil, fmt.Errorf("sshx: ssh handshake with %s: %w", addr, ctxErr(ctx, dctx, err))
	}
	_ = nc.SetDeadline(time.Time{})
	cn := &conn{client: ssh.NewClient(sc, chans, reqs), log: c.log, dead: make(chan struct{})}
	c.log.Debug("sshx: connected", "addr", addr, "server_version", string(sc.ServerVersion()))
	return cn, nil
}

// ctxErr adds the context's error to err when the context ended, so that
// errors.Is(err, context.DeadlineExceeded/Canceled) holds.
func ctxErr(ctx, dctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil {
		cerr = dctx.Err()
	}
	if cerr == nil {
		// The connection deadline (set from dctx) can fire just before the
		// context's own timer does.
		var ne net.Error
		if dl, ok := dctx.Deadline(); ok && !time.Now().Before(dl) && errors.As(err, &ne) && ne.Timeout() {
			cerr = context.DeadlineExceeded
		}
	}
	if cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, cerr)
}

// install makes cn the current connection and starts its watchers. It returns
// false (and closes cn) when the Client was closed meanwhile.
func (c *Client) install(cn *conn) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cn.kill(ErrClosed)
		return false
	}
	c.gen++
	cn.gen = c.gen
	old := c.cur
	c.cur = cn
	c.mu.Unlock()
	if old != nil {
		old.kill(errors.New("replaced by a new connection"))
	}
	go func() {
		err := cn.client.Wait()
		if err == nil {
			err = errors.New("connection closed")
		}
		cn.kill(err)
	}()
	if c.cfg.KeepAlive > 0 {
		go cn.keepAlive(c.cfg.KeepAlive)
	}
	return true
}

// alive reports whether cn has not been declared dead.
func (cn *conn) alive() bool {
	select {
	case <-cn.dead:
		return false
	default:
		return true
	}
}

// kill declares cn dead (once) and closes it.
func (cn *conn) kill(cause error) {
	cn.deadOnce.Do(func() {
		// Logged first, so that whoever sees the connection dead can also see why.
		if !errors.Is(cause, ErrClosed) {
			cn.log.Info("sshx: connection marked dead", "addr", cn.client.RemoteAddr().String(), "cause", cause)
		}
		cn.cause = cause
		close(cn.dead)
		_ = cn.client.Close()
		if s := cn.sftp.Load(); s != nil {
			_ = s.Close()
		}
	})
}

// keepAlive sends keepalive@openssh.com every interval and kills cn when a
// request fails or stays unanswered for three intervals.
func (cn *conn) keepAlive(interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-cn.dead:
			return
		case <-tick.C:
		}
		res := make(chan error, 1)
		go func() {
			_, _, err := cn.client.SendRequest("keepalive@openssh.com", true, nil)
			res <- err
		}()
		timeout := time.NewTimer(3 * interval)
		select {
		case err := <-res:
			timeout.Stop()
			if err != nil {
				cn.kill(fmt.Errorf("keepalive: %w", err))
				return
			}
		case <-timeout.C:
			cn.kill(fmt.Errorf("%w: no keepalive reply within %v", ErrConnLost, 3*interval))
			return
		case <-cn.dead:
			timeout.Stop()
			return
		}
	}
}

// opError converts the failure of an operation on cn: a lost connection is
// marked dead and reported as ErrConnLost; a ctx error is reported as such.
func (c *Client) opError(ctx context.Context, cn *conn, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("sshx: %s on %s: %w", op, c.cfg.addr(), cerr)
	}
	if IsConnLost(err) || !cn.alive() {
		cn.kill(err)
		if errors.Is(err, ErrConnLost) {
			return fmt.Errorf("sshx: %s on %s: %w", op, c.cfg.addr(), err)
		}
		return fmt.Errorf("%w: %s on %s: %w", ErrConnLost, op, c.cfg.addr(), err)
	}
	return fmt.Errorf("sshx: %s on %s: %w", op, c.cfg.addr(), err)
}

// session opens a new session. When the connection turns out to be dead it
// re-dials and tries once more: nothing has run remotely yet, so that is safe.
func (c *Client) session(ctx context.Context) (*conn, *ssh.Session, error) {
	for attempt := 1; ; attempt++ {
		cn, err := c.get(ctx)
		if err != nil {
			return nil, nil, err
		}
		sess, err := cn.client.NewSession()
		if err == nil {
			return cn, sess, nil
		}
		err = c.opError(ctx, cn, "open session", err)
		if attempt == 2 || !errors.Is(err, ErrConnLost) {
			return nil, nil, err
		}
	}
}
