package remotehost

import "fmt"

// Config is how to reach a VM over SSH (compute.RemoteAttachConfig converts to it). The
// password and passphrase live in memory only.
type Config struct {
	Address               string
	ResourceID            string
	SSHPort               int
	Username              string
	Password              string
	PrivateKeyFile        string
	PrivateKeyPassphrase  string
	UseAgent              bool
	KnownHostsFile        string
	HostKey               string
	InsecureIgnoreHostKey bool
}

// String never shows the secrets.
func (c Config) String() string {
	return fmt.Sprintf("remotehost.Config(address=%q, ssh_port=%d, username=%q, private_key_file=%q, use_agent=%t, password_set=%t)",
		c.Address, c.SSHPort, c.Username, c.PrivateKeyFile, c.UseAgent, c.Password != "")
}

// GoString never shows the secrets either.
func (c Config) GoString() string { return c.String() }

// Credentials are SSH credentials fetched from a service (e.g. an Azure VM's listKeys), kept
// in memory only: never stored, logged, or put in errors; String hides them.
type Credentials struct {
	Username   string
	Password   string
	PrivateKey []byte
	Passphrase string
}

// String never shows the secrets.
func (c Credentials) String() string {
	method := "none"
	switch {
	case len(c.PrivateKey) > 0:
		method = "publickey"
	case c.Password != "":
		method = "password"
	}
	return fmt.Sprintf("remotehost.Credentials(username=%q, auth=%s)", c.Username, method)
}

// GoString never shows the secrets either.
func (c Credentials) GoString() string { return c.String() }
