package sshx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// errScanDone aborts the handshake once ScanHostKey has the key.
var errScanDone = errors.New("sshx: host key captured")

// ScanHostKey connects to host:port (port 0 means 22) and returns the host key
// the server presents, without authenticating. It is the building block for
// trust-on-first-use: show ssh.FingerprintSHA256(key) to the user, then
// AddKnownHost. The key is unverified by definition; ctx bounds the exchange.
func ScanHostKey(ctx context.Context, host string, port int) (ssh.PublicKey, error) {
	if port == 0 {
		port = DefaultPort
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	dctx, cancel := context.WithTimeout(ctx, DefaultDialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sshx: scan host key of %s: %w", addr, ctxErr(ctx, dctx, err))
	}
	defer nc.Close()
	if dl, ok := dctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(dctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var key ssh.PublicKey
	_, _, _, err = ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User: "sshx-scan",
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return errScanDone
		},
	})
	if key != nil {
		return key, nil
	}
	return nil, fmt.Errorf("sshx: scan host key of %s: %w", addr, ctxErr(ctx, dctx, err))
}

// AddKnownHost appends a known_hosts line trusting key for addr ("host:port")
// to the file at path ("~/" expanded), creating the file (0600) and its
// directory (0700) if needed. It does not remove or check existing lines.
func AddKnownHost(path, addr string, key ssh.PublicKey) error {
	path, err := expandHome(path)
	if err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("sshx: add known host: address %q: %w", addr, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("sshx: add known host: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sshx: add known host: %w", err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, key) + "\n"
	if _, err := f.WriteString(line); err != nil {
		_ = f.Close()
		return fmt.Errorf("sshx: add known host: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sshx: add known host: %w", err)
	}
	return nil
}
