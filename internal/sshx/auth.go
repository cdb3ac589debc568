package sshx

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// authenticator produces the ssh.AuthMethods for one dial.
type authenticator struct {
	name     string     // "password", "publickey" or "agent", for error messages
	signer   ssh.Signer // parsed private key (publickey)
	password string
}

// newAuthenticator validates and prepares the authentication method of cfg.
// A private key is read and decrypted here, once per Client.
func newAuthenticator(cfg Config) (*authenticator, error) {
	switch {
	case cfg.Password != "":
		return &authenticator{name: "password", password: cfg.Password}, nil
	case cfg.UseAgent:
		return &authenticator{name: "agent"}, nil
	}
	pemBytes, path := cfg.PrivateKey, "(in memory)"
	if len(pemBytes) == 0 {
		var err error
		if path, err = expandHome(cfg.PrivateKeyFile); err != nil {
			return nil, err
		}
		if pemBytes, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("sshx: read private key: %w", err)
		}
	}
	signer, err := ssh.ParsePrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		// An unneeded Passphrase is ignored.
	case errors.As(err, &missing):
		if cfg.Passphrase == "" {
			return nil, fmt.Errorf("sshx: private key %s is encrypted: set Config.Passphrase: %w", path, err)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pemBytes, []byte(cfg.Passphrase))
		if err != nil {
			return nil, fmt.Errorf("sshx: decrypt private key %s (wrong passphrase?): %w", path, err)
		}
	default:
		return nil, fmt.Errorf("sshx: parse private key %s: %w", path, err)
	}
	return &authenticator{name: "publickey", signer: signer}, nil
}

// methods returns the auth methods for one dial and a func releasing what
// they hold (the agent connection) once the handshake is over.
func (a *authenticator) methods() ([]ssh.AuthMethod, func(), error) {
	switch a.name {
	case "password":
		pw := a.password
		answer := func(_, _ string, questions []string, echos []bool) ([]string, error) {
			answers := make([]string, len(questions))
			for i, q := range questions {
				if !echos[i] && strings.Contains(strings.ToLower(q), "password") {
					answers[i] = pw
				}
			}
			return answers, nil
		}
		return []ssh.AuthMethod{ssh.Password(pw), ssh.KeyboardInteractive(answer)}, func() {}, nil
	case "agent":
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, nil, fmt.Errorf("sshx: UseAgent is set but SSH_AUTH_SOCK is empty")
		}
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, nil, fmt.Errorf("sshx: connect to ssh-agent at %s: %w", sock, err)
		}
		ag := agent.NewClient(conn)
		return []ssh.AuthMethod{ssh.PublicKeysCallback(ag.Signers)}, func() { _ = conn.Close() }, nil
	default:
		return []ssh.AuthMethod{ssh.PublicKeys(a.signer)}, func() {}, nil
	}
}

// wrapAuthError turns a handshake error that is an authentication failure
// into one wrapping ErrAuth and naming the method tried; nil otherwise.
func (a *authenticator) wrapAuthError(err error, user, addr string) error {
	msg := err.Error()
	if !strings.Contains(msg, "unable to authenticate") && !strings.Contains(msg, "no supported methods remain") {
		return nil
	}
	method := a.name
	if a.name == "agent" {
		method = "agent (publickey)"
	}
	return fmt.Errorf("%w: %s@%s rejected %s authentication: %w", ErrAuth, user, addr, method, err)
}
