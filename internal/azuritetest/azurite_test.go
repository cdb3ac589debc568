package azuritetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartSASAndStop(t *testing.T) {
	a := Start(t)
	t.Logf("Azurite listened after %v at %s", a.StartTime, a.BlobEndpoint)
	require.Regexp(t, `^http://127\.0\.0\.1:[0-9]+/devstoreaccount1$`, a.BlobEndpoint)
	ctx := context.Background()

	// A read/write SAS as startPendingUpload gives: upload, read back, list.
	u := a.ContainerSAS(t, "code", time.Hour)
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	assert.Equal(t, "/devstoreaccount1/code", parsed.Path)
	assert.NotEmpty(t, parsed.Query().Get("sig"))
	assert.Equal(t, "https,http", parsed.Query().Get("spr"))
	cc, err := container.NewClientWithNoCredential(u, nil)
	require.NoError(t, err)
	_, err = cc.NewBlockBlobClient("dir/hello.txt").UploadBuffer(ctx, []byte("hello"), nil)
	require.NoError(t, err)
	resp, err := cc.NewBlobClient("dir/hello.txt").DownloadStream(ctx, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "hello", string(body))
	page, err := cc.NewListBlobsFlatPager(nil).NextPage(ctx)
	require.NoError(t, err)
	require.Len(t, page.Segment.BlobItems, 1)
	assert.Equal(t, "dir/hello.txt", *page.Segment.BlobItems[0].Name)

	// A read-only SAS cannot write.
	ro, err := a.SASURL("code", sas.ContainerPermissions{Read: true, List: true}, time.Hour)
	require.NoError(t, err)
	rc, err := container.NewClientWithNoCredential(ro, nil)
	require.NoError(t, err)
	_, err = rc.NewBlockBlobClient("denied.txt").UploadBuffer(ctx, []byte("no"), nil)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 403, re.StatusCode)

	// The connection string works with the Go SDK.
	csc, err := azblob.NewClientFromConnectionString(a.ConnectionString(), nil)
	require.NoError(t, err)
	_, err = csc.ServiceClient().NewContainerClient("code").GetProperties(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, a.CreateContainer(ctx, "code"), "an existing container is fine")

	// Stop ends the server itself: its PID is gone and the port is closed.
	pid, addr := a.PID(), parsed.Host
	require.NoError(t, a.Stop())
	require.NoError(t, a.Stop(), "stopping twice")
	assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "the node process is gone")
	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "the port is closed")
}

func TestTwoEmulatorsAreIndependent(t *testing.T) {
	a, b := Start(t), Start(t)
	require.NotEqual(t, a.BlobEndpoint, b.BlobEndpoint)
	ctx := context.Background()
	require.NoError(t, a.CreateContainer(ctx, "only-in-a"))
	_, err := b.Client().ServiceClient().NewContainerClient("only-in-a").GetProperties(ctx, nil)
	assert.True(t, bloberror.HasCode(err, bloberror.ContainerNotFound), "got %v", err)
}

func TestExpiredSASIsRefused(t *testing.T) {
	a := Start(t)
	require.NoError(t, a.CreateContainer(context.Background(), "expired"))
	u, err := a.SASURL("expired", UploadPermissions, -time.Minute)
	require.NoError(t, err)
	cc, err := container.NewClientWithNoCredential(u, nil)
	require.NoError(t, err)
	_, err = cc.NewBlockBlobClient("x").UploadBuffer(context.Background(), []byte("x"), nil)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 403, re.StatusCode)
}

func TestLaunchReportsAnExitBeforeListening(t *testing.T) {
	script := t.TempDir() + "/fake-azurite"
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho port in use >&2\nexit 3\n"), 0o755))
	_, err := Launch(context.Background(), script)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited before listening: port in use")
}

func TestLaunchGivesUpWhenCtxEnds(t *testing.T) {
	script := t.TempDir() + "/silent-azurite"
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Launch(ctx, script)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestSkipOrFailWithoutAzurite runs this package's tests again without AMLGO_AZURITE: they skip,
// and fail when integration is required.
func TestSkipOrFailWithoutAzurite(t *testing.T) {
	if os.Getenv("AMLGO_AZURITETEST_CHILD") != "" {
		t.Skip("child run")
	}
	for _, required := range []bool{false, true} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartSASAndStop$", "-test.v")
		env := []string{"AMLGO_AZURITETEST_CHILD=1"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, Env+"=") && !strings.HasPrefix(kv, testenv.RequireIntegrationEnv+"=") {
				env = append(env, kv)
			}
		}
		if required {
			env = append(env, testenv.RequireIntegrationEnv+"=1")
		}
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		if required {
			require.True(t, errors.As(err, &ee), "want a failure, got %v:\n%s", err, out.String())
			assert.Contains(t, out.String(), "--- FAIL: TestStartSASAndStop")
		} else {
			require.NoError(t, err, out.String())
			assert.Contains(t, out.String(), "--- SKIP: TestStartSASAndStop")
		}
		assert.Contains(t, out.String(), fmt.Sprintf("%s is not set", Env))
	}
}
