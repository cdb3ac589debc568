package sshx_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/amlgo/amlgo/internal/sshx"
)

func ExampleQuote() {
	fmt.Println(sshx.Quote("hello world"))
	fmt.Println(sshx.Quote("it's"))
	fmt.Println(sshx.QuoteArgs("python", "train.py", "--name", "$HOME; rm -rf /"))
	// Output:
	// 'hello world'
	// 'it'\''s'
	// 'python' 'train.py' '--name' '$HOME; rm -rf /'
}

func ExampleConfig_String() {
	cfg := sshx.Config{Host: "dsvm.example.com", User: "azureuser", Password: "s3cret"}
	fmt.Println(cfg)
	// Output:
	// ssh://azureuser@dsvm.example.com:22 (auth=password, hostkeys=known_hosts:~/.ssh/known_hosts)
}

// ExampleDial shows the usual shape of a session with a remote machine; it is
// not run (it needs a server).
func ExampleDial() {
	ctx := context.Background()
	c, err := sshx.Dial(ctx, sshx.Config{
		Host:           "10.0.0.4",
		User:           "azureuser",
		PrivateKeyFile: "~/.ssh/id_ed25519",
		HostKeys:       sshx.HostKeyPolicy{KnownHostsFile: "~/.ssh/known_hosts"},
	})
	if err != nil {
		fmt.Println(err) // errors.Is(err, sshx.ErrHostUnknown), sshx.ErrAuth, ...
		return
	}
	defer c.Close()

	// Idempotent work can be retried across dropped connections.
	var out []byte
	err = c.Retry(ctx, func() (err error) {
		out, err = c.Output(ctx, "mkdir -p "+sshx.Quote("runs/my run")+" && nproc")
		return err
	})
	var exitErr *sshx.ExitError
	switch {
	case errors.As(err, &exitErr):
		fmt.Println("remote failure:", exitErr.Code, exitErr.Stderr)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Printf("%s", out)
	}
}
