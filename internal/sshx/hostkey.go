package sshx

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyCheck is the host-key verification for one dial. The callback records
// its failure in err, so Dial can return it intact instead of the handshake
// error that wraps it.
type hostKeyCheck struct {
	callback   ssh.HostKeyCallback
	algorithms []string // ClientConfig.HostKeyAlgorithms; nil = library default
	err        error
}

// newHostKeyCheck builds the verification for cfg (defaults applied) dialing addr.
func newHostKeyCheck(cfg Config, addr string, log *slog.Logger) (*hostKeyCheck, error) {
	hk := &hostKeyCheck{}
	pol := cfg.HostKeys
	switch {
	case pol.Insecure:
		log.Warn("sshx: host key checking disabled (HostKeys.Insecure); the connection can be intercepted", "addr", addr)
		hk.callback = func(_ string, _ net.Addr, key ssh.PublicKey) error {
			log.Debug("sshx: accepting unverified host key", "addr", addr, "fingerprint", ssh.FingerprintSHA256(key))
			return nil
		}
	case pol.Pinned != "":
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pol.Pinned))
		if err != nil {
			return nil, fmt.Errorf("%w: HostKeys.Pinned is not an authorized_keys line: %v", ErrInvalidConfig, err)
		}
		hk.algorithms = preferAlgorithms(algorithmsForKeyType(want.Type()))
		hk.callback = func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if bytes.Equal(key.Marshal(), want.Marshal()) {
				return nil
			}
			return hk.fail(&HostKeyError{Addr: addr, Key: key, Fingerprint: ssh.FingerprintSHA256(key),
				Want: []string{ssh.FingerprintSHA256(want)}, Source: "the pinned key", sentinel: ErrHostKeyMismatch})
		}
	default:
		path := pol.KnownHostsFile
		if path == "" {
			path = "~/.ssh/known_hosts"
		}
		path, err := expandHome(path)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			hk.callback = func(_ string, _ net.Addr, key ssh.PublicKey) error {
				return hk.fail(&HostKeyError{Addr: addr, Key: key, Fingerprint: ssh.FingerprintSHA256(key),
					Source: path + " (file does not exist)", sentinel: ErrHostUnknown})
			}
			return hk, nil
		}
		cb, err := knownhosts.New(path)
		if err != nil {
			return nil, fmt.Errorf("sshx: read known_hosts %s: %w", path, err)
		}
		hk.algorithms = knownAlgorithms(cb, addr)
		hk.callback = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := cb(hostname, remote, key)
			if err == nil {
				return nil
			}
			e := &HostKeyError{Addr: addr, Key: key, Fingerprint: ssh.FingerprintSHA256(key), Source: path}
			var keyErr *knownhosts.KeyError
			var revoked *knownhosts.RevokedError
			switch {
			case errors.As(err, &revoked):
				e.sentinel = ErrHostKeyMismatch
				e.detail = fmt.Sprintf("which is marked @revoked in %s:%d", revoked.Revoked.Filename, revoked.Revoked.Line)
			case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
				e.sentinel = ErrHostUnknown
			case errors.As(err, &keyErr):
				e.sentinel = ErrHostKeyMismatch
				for _, w := range keyErr.Want {
					e.Want = append(e.Want, fmt.Sprintf("%s %s (%s:%d)", w.Key.Type(), ssh.FingerprintSHA256(w.Key), w.Filename, w.Line))
				}
			default:
				return hk.fail(fmt.Errorf("sshx: check host key of %s: %w", addr, err))
			}
			return hk.fail(e)
		}
	}
	return hk, nil
}

// fail records err as the verification failure and returns it.
func (hk *hostKeyCheck) fail(err error) error {
	hk.err = err
	return err
}

// probeKey is a public key of a type no known_hosts line has; asking the
// knownhosts callback about it makes it list every known key for the host.
type probeKey struct{}

func (probeKey) Type() string                        { return "amlgo-probe@sshx" }
func (probeKey) Marshal() []byte                     { return []byte("amlgo-probe@sshx") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("sshx: probe key") }

// knownAlgorithms returns the host-key algorithms to offer for addr: first
// those of the keys known_hosts lists for it, so that a server with several
// host keys presents one whose type we can verify (otherwise knownhosts reports
// a false mismatch), then every other supported algorithm, so that a server
// that only has a key of another type still presents it and gets a clear
// mismatch instead of "no common algorithm". nil (library default) when the
// host is unknown.
func knownAlgorithms(cb ssh.HostKeyCallback, addr string) []string {
	remote, err := net.ResolveTCPAddr("tcp", "127.0.0.1:0") // only consulted when addr is unparsable
	if err != nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	if err := cb(addr, remote, probeKey{}); !errors.As(err, &keyErr) {
		return nil
	}
	var algos []string
	for _, k := range keyErr.Want {
		for _, a := range algorithmsForKeyType(k.Key.Type()) {
			if !slices.Contains(algos, a) {
				algos = append(algos, a)
			}
		}
	}
	return preferAlgorithms(algos)
}

// preferAlgorithms returns first, followed by the other supported host-key algorithms.
func preferAlgorithms(first []string) []string {
	if len(first) == 0 {
		return nil
	}
	out := slices.Clone(first)
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// algorithmsForKeyType maps a public key type to the signature algorithms
// that can be negotiated for it.
func algorithmsForKeyType(t string) []string {
	switch t {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	case ssh.CertAlgoRSAv01:
		return []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01}
	default:
		return []string{t}
	}
}
