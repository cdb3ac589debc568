package sshx

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pkg/sftp"
)

// WriteFile writes everything from r to path on the server over SFTP,
// atomically: the data goes to a temporary file next to path, which gets perm
// and is then renamed over path (posix-rename@openssh.com). The parent
// directory must exist (see sftp.Client.MkdirAll). When ctx ends the transfer
// is aborted and the temporary file removed (a Read of r that blocks is not
// interrupted; ctx is checked between reads). Not retried automatically; it is
// idempotent, so it can be wrapped in Retry when r can be re-read.
func (c *Client) WriteFile(ctx context.Context, path string, r io.Reader, perm fs.FileMode) error {
	s, err := c.SFTP(ctx)
	if err != nil {
		return err
	}
	cn := c.connOf(s)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path + ".tmp-" + hex.EncodeToString(rnd[:])
	f, err := s.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return c.fileError(ctx, cn, "create "+tmp, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.Close() })
	_, err = f.ReadFrom(ctxReader{ctx, r})
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil && cerr != nil && stop() {
		err = cerr
	}
	stop()
	if err == nil && ctx.Err() == nil {
		err = s.PosixRename(tmp, path)
		if errors.Is(err, sftp.ErrSSHFxOpUnsupported) {
			_ = s.Remove(path)
			err = s.Rename(tmp, path)
		}
		if err == nil {
			return nil
		}
	}
	_ = s.Remove(tmp)
	return c.fileError(ctx, cn, "write "+path, err)
}

// ReadFile returns the content of path on the server, read over SFTP. When
// ctx ends the transfer is aborted.
func (c *Client) ReadFile(ctx context.Context, path string) ([]byte, error) {
	s, err := c.SFTP(ctx)
	if err != nil {
		return nil, err
	}
	cn := c.connOf(s)
	f, err := s.Open(path)
	if err != nil {
		return nil, c.fileError(ctx, cn, "open "+path, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.Close() })
	defer func() {
		if stop() {
			_ = f.Close()
		}
	}()
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, c.fileError(ctx, cn, "read "+path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, c.fileError(ctx, cn, "read "+path, err)
	}
	return buf.Bytes(), nil
}

// connOf returns the connection whose cached SFTP client is s (nil if it was
// replaced meanwhile).
func (c *Client) connOf(s *sftp.Client) *conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.cur.sftp.Load() == s {
		return c.cur
	}
	return nil
}

// fileError converts an SFTP failure like opError does; remote "file"
// errors (not found, permission) keep their type for errors.Is(err, fs.ErrNotExist).
func (c *Client) fileError(ctx context.Context, cn *conn, op string, err error) error {
	if cn == nil {
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return fmt.Errorf("sshx: %s on %s: %w", op, c.cfg.addr(), err)
	}
	return c.opError(ctx, cn, op, err)
}

// ctxReader fails reads once ctx has ended.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (cr ctxReader) Read(p []byte) (int, error) {
	if err := cr.ctx.Err(); err != nil {
		return 0, err
	}
	return cr.r.Read(p)
}
