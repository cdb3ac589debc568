package sshx

import (
	"context"
	"fmt"
	"time"
)

// Retry calls fn, and calls it again while it fails with a connection-lost
// error (IsConnLost), re-dialing between attempts with backoff (100ms→5s),
// until fn succeeds, fails otherwise, or ctx ends. Use it only for idempotent
// work: an attempt cut off by a dropped connection may have taken effect.
// fn should use ctx for its own operations.
func (c *Client) Retry(ctx context.Context, fn func() error) error {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		gen := c.generation()
		err := fn()
		if err == nil || !IsConnLost(err) {
			return err
		}
		c.invalidate(gen, err)
		c.log.Debug("sshx: retrying after lost connection", "addr", c.cfg.addr(), "attempt", attempt, "err", err)
		if ctx.Err() != nil {
			return err
		}
		if attempt > 1 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return err
			}
			wait = min(wait*2, 5*time.Second)
		}
		if _, gerr := c.get(ctx); gerr != nil {
			return fmt.Errorf("sshx: retry: %w (last attempt: %v)", gerr, err)
		}
	}
}
