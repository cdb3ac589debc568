package sshx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// stderrTail is how much of a command's stderr Run keeps for ExitError.Stderr.
const stderrTail = 64 << 10

// Run runs cmd (a shell command line; see Quote) on the server in a new
// session. stdin may be nil (empty input); stdout and stderr may be nil
// (discarded). A non-zero remote exit is an *ExitError carrying the code and
// the tail of stderr. A dead connection gives an error wrapping ErrConnLost.
// When ctx ends, Run sends the remote process SIGKILL (best effort — OpenSSH
// honours it), closes the session and returns ctx's error; stdout and stderr
// are not written to after Run returns. As with os/exec, a stdin whose Read
// blocks keeps an internal goroutine reading it until that Read returns.
func (c *Client) Run(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
	cn, sess, err := c.session(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()

	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	tail := &tailBuffer{max: stderrTail}
	outW := &detachableWriter{w: stdout}
	errW := &detachableWriter{w: io.MultiWriter(tail, stderr)}
	defer outW.detach()
	defer errW.detach()
	sess.Stdin = stdin
	sess.Stdout = outW
	sess.Stderr = errW
	if err := sess.Start(cmd); err != nil {
		return c.opError(ctx, cn, "start command", err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		_ = sess.Close()
		t := time.NewTimer(2 * time.Second)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
		return fmt.Errorf("sshx: run on %s: %w", c.cfg.addr(), ctx.Err())
	}
	if err == nil {
		return nil
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: ee.ExitStatus(), Signal: ee.Signal(), Stderr: strings.TrimSpace(tail.String())}
	}
	return c.opError(ctx, cn, "run", err)
}

// Output runs cmd like Run and returns its stdout. On failure the error
// includes stderr (for an *ExitError, in its Stderr field and text).
func (c *Client) Output(ctx context.Context, cmd string) ([]byte, error) {
	var out, errb bytes.Buffer
	err := c.Run(ctx, cmd, nil, &out, &errb)
	if err != nil {
		var ee *ExitError
		if !errors.As(err, &ee) {
			if s := strings.TrimSpace(errb.String()); s != "" {
				err = fmt.Errorf("%w (stderr: %s)", err, s)
			}
		}
	}
	return out.Bytes(), err
}

// detachableWriter forwards writes to w until detach is called, after which
// writes are discarded; it keeps late session output from reaching a caller's
// writer after Run returned.
type detachableWriter struct {
	mu  sync.Mutex
	w   io.Writer
	off bool
}

func (d *detachableWriter) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.off {
		return len(p), nil
	}
	return d.w.Write(p)
}

func (d *detachableWriter) detach() {
	d.mu.Lock()
	d.off = true
	d.mu.Unlock()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }
