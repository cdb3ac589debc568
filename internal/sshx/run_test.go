package sshx_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/internal/testenv"
)

func TestRun(t *testing.T) {
	srv, c := startServer(t)
	ctx := testCtx(t, 5*testenv.Patience)

	t.Run("stdout stderr stdin", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := c.Run(ctx, "cat; echo err >&2", strings.NewReader("from stdin\n"), &stdout, &stderr)
		require.NoError(t, err)
		assert.Equal(t, "from stdin\n", stdout.String())
		assert.Equal(t, "err\n", stderr.String())
	})

	t.Run("nil streams", func(t *testing.T) {
		require.NoError(t, c.Run(ctx, "echo discarded; echo discarded >&2", nil, nil, nil))
	})

	t.Run("large stdin", func(t *testing.T) {
		data := make([]byte, 4<<20)
		_, _ = rand.Read(data)
		var stdout bytes.Buffer
		require.NoError(t, c.Run(ctx, "sha256sum", bytes.NewReader(data), &stdout, nil))
		sum := sha256.Sum256(data)
		assert.Equal(t, hex.EncodeToString(sum[:]), strings.Fields(stdout.String())[0])
	})

	t.Run("exit code", func(t *testing.T) {
		var stderr bytes.Buffer
		err := c.Run(ctx, "echo boom >&2; exit 3", nil, nil, &stderr)
		var ee *sshx.ExitError
		require.True(t, errors.As(err, &ee), "%v", err)
		assert.Equal(t, 3, ee.Code)
		assert.Equal(t, "boom", ee.Stderr)
		assert.Equal(t, "boom\n", stderr.String())
		assert.Contains(t, err.Error(), "status 3")
		assert.False(t, sshx.IsConnLost(err))
	})

	t.Run("killed by signal", func(t *testing.T) {
		err := c.Run(ctx, "kill -KILL $$", nil, nil, nil)
		var ee *sshx.ExitError
		require.True(t, errors.As(err, &ee), "%v", err)
		assert.Equal(t, 137, ee.Code)
		assert.Equal(t, "KILL", ee.Signal)
	})

	t.Run("output", func(t *testing.T) {
		out, err := c.Output(ctx, "printf 'a\\nb'")
		require.NoError(t, err)
		assert.Equal(t, "a\nb", string(out))

		out, err = c.Output(ctx, "echo partial; echo 'no such thing' >&2; exit 2")
		assert.Equal(t, "partial\n", string(out))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no such thing")
	})

	t.Run("environment is the test user's", func(t *testing.T) {
		out, err := c.Output(ctx, "echo $HOME; pwd")
		require.NoError(t, err)
		assert.Equal(t, srv.Home+"\n"+srv.Home+"\n", string(out))
	})

	t.Run("context cancel kills the remote command", func(t *testing.T) {
		marker := fmt.Sprintf("amlgo-cancel-%d", time.Now().UnixNano())
		pattern := sshx.Quote("[a]" + marker[1:]) // does not match the pgrep's own shell
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		errc := make(chan error, 1)
		go func() { errc <- c.Run(rctx, "exec -a "+marker+" sleep 60", nil, nil, nil) }()
		// Cancel once the remote sleep runs.
		require.Eventually(t, func() bool {
			return strings.Contains(srv.Exec(t, "pgrep -f "+pattern+" || true"), "\n")
		}, testenv.Patience, 20*time.Millisecond, "remote sleep never started")
		start := time.Now()
		cancel()
		err := <-errc
		require.ErrorIs(t, err, context.Canceled)
		// Run returns soon after ctx ends, not when the 60 s sleep does.
		assert.Less(t, time.Since(start), 20*time.Second)
		assert.False(t, sshx.IsConnLost(err))
		require.Eventually(t, func() bool {
			return srv.Exec(t, "pgrep -f "+pattern+" || true") == ""
		}, testenv.Patience, 50*time.Millisecond, "remote sleep still running")
		// The connection is still usable.
		out, err := c.Output(ctx, "echo still-ok")
		require.NoError(t, err)
		assert.Equal(t, "still-ok\n", string(out))
	})

	t.Run("context deadline", func(t *testing.T) {
		dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := c.Run(dctx, "sleep 60", nil, nil, nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		// Soon after the deadline, not when the 60 s sleep ends.
		assert.Less(t, time.Since(start), 20*time.Second)
	})

	t.Run("concurrent use", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%4 == 0 {
					s, err := c.SFTP(ctx)
					if err == nil {
						_, err = s.Getwd()
					}
					errs <- err
					return
				}
				out, err := c.Output(ctx, fmt.Sprintf("echo %d", i))
				if err == nil && string(out) != fmt.Sprintf("%d\n", i) {
					err = fmt.Errorf("got %q", out)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	})
}

func TestQuoteRoundTripsThroughRemoteShell(t *testing.T) {
	_, c := startServer(t)
	ctx := testCtx(t, 30*time.Second)
	hostile := []string{
		"", "plain", "two words", "it's", "'", "''", `"`, `\`, `\'`, "$HOME", "${HOME}", "$(id)", "`id`",
		"a;b", "a && b || c", "a|b", "> /tmp/x", "*", "?", "[a]", "~", "~root", "-n", "--", "%s%d",
		"line1\nline2", "tab\tand\rcr", "\x01\x1b[31m", "ünïcødé ✓", "!!", "#comment", "{a,b}", "a=b c",
	}
	for _, s := range hostile {
		out, err := c.Output(ctx, "printf %s "+sshx.Quote(s))
		require.NoError(t, err, "%q", s)
		assert.Equal(t, s, string(out), "%q", s)
	}
	out, err := c.Output(ctx, "printf '[%s]' "+sshx.QuoteArgs(hostile...))
	require.NoError(t, err)
	assert.Equal(t, "["+strings.Join(hostile, "][")+"]", string(out))
}

func TestSFTP(t *testing.T) {
	srv, c := startServer(t)
	ctx := testCtx(t, 60*time.Second)
	s, err := c.SFTP(ctx)
	require.NoError(t, err)
	s2, err := c.SFTP(ctx)
	require.NoError(t, err)
	assert.Same(t, s, s2, "cached per connection")

	dir := fmt.Sprintf("%s/sftp-%d", srv.Home, time.Now().UnixNano())
	require.NoError(t, s.MkdirAll(dir))
	t.Cleanup(func() { srv.Exec(t, "rm -rf "+sshx.Quote(dir)) })

	data := make([]byte, 3<<20+17)
	_, _ = rand.Read(data)
	f, err := s.Create(dir + "/blob.bin")
	require.NoError(t, err)
	n, err := f.ReadFrom(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), n)
	require.NoError(t, f.Close())

	sum := sha256.Sum256(data)
	remoteSum := srv.Exec(t, "sha256sum "+sshx.Quote(dir+"/blob.bin"))
	assert.Equal(t, hex.EncodeToString(sum[:]), strings.Fields(remoteSum)[0])

	g, err := s.Open(dir + "/blob.bin")
	require.NoError(t, err)
	var back bytes.Buffer
	_, err = g.WriteTo(&back)
	require.NoError(t, err)
	require.NoError(t, g.Close())
	assert.True(t, bytes.Equal(data, back.Bytes()))

	// Files are owned by the test user.
	assert.Equal(t, "amlgotest\n", srv.Exec(t, "stat -c %U "+sshx.Quote(dir+"/blob.bin")))

	// After a reconnect SFTP gives a new, working client.
	require.NoError(t, c.Reconnect(ctx))
	s3, err := c.SFTP(ctx)
	require.NoError(t, err)
	assert.NotSame(t, s, s3)
	st, err := s3.Stat(dir + "/blob.bin")
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), st.Size())
	_, err = s.Stat(dir + "/blob.bin")
	assert.Error(t, err, "the old SFTP client is closed")
}

func TestWriteReadFile(t *testing.T) {
	srv, c := startServer(t)
	ctx := testCtx(t, 30*time.Second)
	dir := fmt.Sprintf("%s/wf-%d", srv.Home, time.Now().UnixNano())
	srv.Exec(t, "mkdir "+sshx.Quote(dir))
	t.Cleanup(func() { srv.Exec(t, "rm -rf "+sshx.Quote(dir)) })
	path := dir + "/script.sh"

	require.NoError(t, c.WriteFile(ctx, path, strings.NewReader("#!/bin/sh\necho v1\n"), 0o755))
	assert.Equal(t, "v1\n", srv.Exec(t, sshx.Quote(path)))
	assert.Equal(t, "755 amlgotest\n", srv.Exec(t, "stat -c '%a %U' "+sshx.Quote(path)))

	// Overwrite (atomic rename over an existing file).
	require.NoError(t, c.WriteFile(ctx, path, strings.NewReader("#!/bin/sh\necho v2\n"), 0o700))
	got, err := c.ReadFile(ctx, path)
	require.NoError(t, err)
	assert.Equal(t, "#!/bin/sh\necho v2\n", string(got))
	assert.Equal(t, "700\n", srv.Exec(t, "stat -c '%a' "+sshx.Quote(path)))
	assert.Equal(t, "", srv.Exec(t, "ls "+sshx.Quote(dir)+" | grep -F .tmp- || true"), "no temp files left")

	_, err = c.ReadFile(ctx, path+".missing")
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.False(t, sshx.IsConnLost(err))

	err = c.WriteFile(ctx, srv.Home+"/no/such/dir/f", strings.NewReader("x"), 0o644)
	require.Error(t, err)
	assert.False(t, sshx.IsConnLost(err))

	// A canceled write leaves nothing behind.
	cctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte("partial"))
		cancel()
		_, _ = pw.Write([]byte("more"))
		_ = pw.Close()
	}()
	err = c.WriteFile(cctx, path+".canceled", pr, 0o644)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "", srv.Exec(t, "ls "+sshx.Quote(dir)+" | grep -F -e .tmp- -e .canceled || true"))
}
