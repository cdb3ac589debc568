// Package sshx is amlgo's SSH client layer: one authenticated connection per
// [Client], strict host-key checking by default, remote commands with exit
// codes, SFTP, keepalives that detect dead connections, and re-dialing after a
// connection drops.
//
// A Client owns exactly one underlying SSH connection. When an operation finds
// that connection dead (see [IsConnLost]) the Client marks it dead and the next
// operation dials a fresh one, with exponential backoff bounded by that
// operation's context. Operations are never retried automatically, because
// only the caller knows what is idempotent; [Client.Retry] makes retrying easy
// for the operations that are.
//
// Host keys are checked against a known_hosts file (default
// ~/.ssh/known_hosts), against one pinned key, or — only when explicitly asked
// for — not at all. Failures are reported with the sentinels [ErrHostUnknown],
// [ErrHostKeyMismatch], [ErrAuth] and [ErrConnLost] for use with errors.Is.
//
// The subpackage sshtest starts a real OpenSSH sshd for tests.
package sshx
