package sshx

import (
	"context"
	"errors"

	"github.com/pkg/sftp"
)

// SFTP returns an SFTP client on the current connection, creating it on first
// use (with concurrent writes and up to 64 requests in flight per file). It is
// cached per connection: after a reconnect the next call returns a new one and
// the old one is closed. Do not Close it yourself unless you are done with the
// Client's SFTP for this connection.
func (c *Client) SFTP(ctx context.Context) (*sftp.Client, error) {
	for attempt := 1; ; attempt++ {
		s, err := c.sftpOnce(ctx)
		// Starting the subsystem has no remote effect, so one retry on a
		// connection found dead is safe.
		if err == nil || attempt == 2 || !errors.Is(err, ErrConnLost) {
			return s, err
		}
	}
}

// sftpOnce returns the current connection's SFTP client, starting it if needed.
func (c *Client) sftpOnce(ctx context.Context) (*sftp.Client, error) {
	cn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	if s := cn.sftp.Load(); s != nil {
		return s, nil
	}
	cn.sftpMu.Lock()
	defer cn.sftpMu.Unlock()
	if s := cn.sftp.Load(); s != nil {
		return s, nil
	}
	type result struct {
		s   *sftp.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := sftp.NewClient(cn.client, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, c.opError(ctx, cn, "start sftp", r.err)
		}
		cn.sftp.Store(r.s)
		if !cn.alive() { // died meanwhile: kill may have missed the new client
			_ = r.s.Close()
			return nil, c.opError(ctx, cn, "start sftp", ErrConnLost)
		}
		return r.s, nil
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.s != nil {
				_ = r.s.Close()
			}
		}()
		return nil, c.opError(ctx, cn, "start sftp", ctx.Err())
	}
}
