package azuritetest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/amlgo/amlgo/internal/testenv"
)

// Env names the azurite-blob script to run (node_modules/.bin/azurite-blob of an npm install of
// the version in .ci/azurite/package-lock.json).
const Env = "AMLGO_AZURITE"

// The emulator's well-known development account (public, documented by Microsoft, accepted by
// every Azurite).
const (
	AccountName = "devstoreaccount1"
	AccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Azurite is a running blob emulator.
type Azurite struct {
	// BlobEndpoint is the account's blob service URL, http://127.0.0.1:PORT/devstoreaccount1.
	BlobEndpoint string
	// AccountName and AccountKey are the shared-key credentials of the account.
	AccountName, AccountKey string
	// StartTime is how long the emulator took to listen.
	StartTime time.Duration

	cmd     *exec.Cmd
	dir     string
	out     *lockedBuffer
	exited  chan struct{}
	client  *azblob.Client
	cred    *azblob.SharedKeyCredential
	stopped sync.Once
}

// Binary returns the azurite-blob script named by AMLGO_AZURITE. It skips t when the variable is
// unset (fails it under AMLGO_REQUIRE_INTEGRATION=1) and fails t when it names nothing runnable.
func Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(Env)
	if bin == "" {
		testenv.SkipOrFail(t, "azuritetest: "+Env+" is not set; to run the Azurite tests: "+
			"mkdir -p /tmp/azurite && cp .ci/azurite/package*.json /tmp/azurite/ && (cd /tmp/azurite && npm ci) && "+
			"export "+Env+"=/tmp/azurite/node_modules/.bin/azurite-blob")
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("azuritetest: %s=%s is not an executable file", Env, bin)
	}
	return bin
}

// Start launches a private Azurite for t (see Binary for when it skips) and stops it in
// t.Cleanup.
func Start(t testing.TB) *Azurite {
	t.Helper()
	bin := Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), testenv.Patience)
	defer cancel()
	a, err := Launch(ctx, bin)
	if err != nil {
		t.Fatalf("azuritetest: %v", err)
	}
	t.Cleanup(func() { _ = a.Stop() })
	return a
}

// listening is the line Azurite prints once its port is open.
var listening = regexp.MustCompile(`successfully listens on (http://127\.0\.0\.1:[0-9]+)`)

// Launch starts the azurite-blob script bin on a free 127.0.0.1 port, in memory, and returns
// once it listens; ctx bounds the wait. The caller stops it with Stop.
func Launch(ctx context.Context, bin string) (*Azurite, error) {
	start := time.Now()
	dir, err := os.MkdirTemp("", "amlgo-azurite-")
	if err != nil {
		return nil, fmt.Errorf("azuritetest: %w", err)
	}
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence",
		"--skipApiVersionCheck", "--disableTelemetry", "--silent")
	cmd.Dir = dir
	cmd.SysProcAttr = sysProcAttr()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("azuritetest: starting %s: %w", bin, err)
	}
	a := &Azurite{AccountName: AccountName, AccountKey: AccountKey, cmd: cmd, dir: dir,
		out: &lockedBuffer{}, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); pw.Close(); close(a.exited) }()
	endpoint := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			a.out.WriteLine(sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case endpoint <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case base := <-endpoint:
		a.BlobEndpoint = base + "/" + AccountName
	case <-a.exited:
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("azuritetest: %s exited before listening: %s", bin, a.out.String())
	case <-ctx.Done():
		_ = a.Stop()
		return nil, fmt.Errorf("azuritetest: %s did not listen: %w; it printed: %s", bin, ctx.Err(), a.out.String())
	}
	a.StartTime = time.Since(start)
	if a.cred, err = azblob.NewSharedKeyCredential(AccountName, AccountKey); err == nil {
		a.client, err = azblob.NewClientWithSharedKeyCredential(a.BlobEndpoint+"/", a.cred, nil)
	}
	if err != nil {
		_ = a.Stop()
		return nil, fmt.Errorf("azuritetest: client: %w", err)
	}
	return a, nil
}

// Stop terminates the emulator (SIGTERM, then SIGKILL after 10 s) and waits for it to exit.
// Everything it stored is gone. Stopping twice is harmless.
func (a *Azurite) Stop() error {
	var err error
	a.stopped.Do(func() {
		defer os.RemoveAll(a.dir)
		select {
		case <-a.exited:
			return
		default:
		}
		if e := a.cmd.Process.Signal(syscall.SIGTERM); e != nil && !errors.Is(e, os.ErrProcessDone) {
			err = fmt.Errorf("azuritetest: stopping: %w", e)
		}
		select {
		case <-a.exited:
		case <-time.After(10 * time.Second):
			_ = a.cmd.Process.Kill()
			<-a.exited
		}
	})
	return err
}

// PID is the emulator's process id.
func (a *Azurite) PID() int { return a.cmd.Process.Pid }

// Output returns what the emulator printed so far.
func (a *Azurite) Output() string { return a.out.String() }

// lockedBuffer collects output lines for error messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) WriteLine(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 64<<10 {
		l.b.WriteString(s + "\n")
	}
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.b.String())
}
