package codeasset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blobSums lists the container's blobs with the sha256 of each one's content.
func blobSums(t testing.TB, containerURL string) map[string]string {
	t.Helper()
	cc, err := container.NewClientWithNoCredential(containerURL, nil)
	require.NoError(t, err)
	sums := map[string]string{}
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{})
	for pager.More() {
		page, err := pager.NextPage(t.Context())
		require.NoError(t, err)
		for _, b := range page.Segment.BlobItems {
			resp, err := cc.NewBlobClient(*b.Name).DownloadStream(t.Context(), nil)
			require.NoError(t, err)
			h := sha256.New()
			_, err = io.Copy(h, resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			sums[*b.Name] = hex.EncodeToString(h.Sum(nil))
		}
	}
	return sums
}

func fileSums(t testing.TB, prefix string, files []File) map[string]string {
	t.Helper()
	sums := map[string]string{}
	for _, f := range files {
		r, err := f.Open()
		require.NoError(t, err)
		h := sha256.New()
		_, err = io.Copy(h, r)
		r.Close()
		require.NoError(t, err)
		name := f.Path
		if prefix != "" {
			name = prefix + "/" + f.Path
		}
		sums[name] = hex.EncodeToString(h.Sum(nil))
	}
	return sums
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// settleGoroutines waits until no more goroutines run than before, and fails t otherwise.
func settleGoroutines(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(testenv.Patience)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUploadRoundTrip(t *testing.T) {
	az := azuritetest.Start(t)
	rng := rand.New(rand.NewPCG(7, 7))
	dir := t.TempDir()
	contents := map[string][]byte{
		"empty.txt":                      {},
		"train.py":                       []byte("print('hi')\n"),
		"\u00e9t\u00e9/\u65e5\u672c.txt": []byte("unicode"),
		"odd name #1 %41+?.txt":          []byte("escaped"),
		"deep/a/b/c/d/e.bin":             randomBytes(rng, 70<<10),
		"big/model.bin":                  randomBytes(rng, 5<<20+12345), // blocks of 1 MiB, in parallel
	}
	for i := range 150 {
		contents[fmt.Sprintf("pkg/m%03d.py", i)] = randomBytes(rng, rng.IntN(4096))
	}
	writeTree(t, dir, contents)
	files := diskFiles(t, dir)
	files = append(files,
		streamOnly(memFile("stream/small.txt", strings.Repeat("s", 1000))),
		streamOnly(memFile("stream/large.bin", string(randomBytes(rng, 3<<20+7)))), // blocks, one after another
	)
	var total int64
	for _, f := range files {
		total += f.Size
	}
	u := az.ContainerSAS(t, "roundtrip", time.Hour)
	before := runtime.NumGoroutine()
	var mu sync.Mutex
	var calls int
	var last int64
	stats, err := Upload(t.Context(), u, "mycode", files, &UploadOptions{Concurrency: 8, BlockSize: 1 << 20,
		Progress: func(done, all int64) {
			mu.Lock()
			defer mu.Unlock()
			assert.GreaterOrEqual(t, done, last)
			assert.Equal(t, total, all)
			last = done
			calls++
		}})
	require.NoError(t, err)
	assert.Equal(t, len(files), stats.Files)
	assert.Equal(t, total, stats.Bytes)
	assert.Equal(t, total, last)
	assert.Greater(t, calls, len(files))
	t.Logf("%d files, %d bytes in %v", stats.Files, stats.Bytes, stats.Duration)
	settleGoroutines(t, before)
	assert.Equal(t, fileSums(t, "mycode", files), blobSums(t, u))

	// Again without a prefix and with the defaults; existing blobs are overwritten.
	stats, err = Upload(t.Context(), u, "", files[:3], nil)
	require.NoError(t, err)
	assert.Equal(t, 3, stats.Files)
	sums := blobSums(t, u)
	for name, sum := range fileSums(t, "", files[:3]) {
		assert.Equal(t, sum, sums[name], name)
	}
	_, err = Upload(t.Context(), u, "mycode", files[:3], nil)
	require.NoError(t, err)
}

// countingOpens counts how often files are opened.
func countingOpens(files []File, n *atomic.Int64) []File {
	out := make([]File, len(files))
	for i, f := range files {
		open := f.Open
		f.Open = func() (io.ReadCloser, error) { n.Add(1); return open() }
		out[i] = f
	}
	return out
}

func TestUploadStopsWhenCancelled(t *testing.T) {
	az := azuritetest.Start(t)
	rng := rand.New(rand.NewPCG(8, 8))
	var files []File
	for i := range 3000 {
		files = append(files, memFile(fmt.Sprintf("f/%04d", i), string(randomBytes(rng, 2048))))
	}
	files = append(files, memFile("big.bin", string(randomBytes(rng, 4<<20))))
	var opens atomic.Int64
	files = countingOpens(files, &opens)
	u := az.ContainerSAS(t, "cancel", time.Hour)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var cancelledAt atomic.Int64
	stats, err := Upload(ctx, u, "code", files, &UploadOptions{Concurrency: 8, BlockSize: 256 << 10,
		Progress: func(done, total int64) {
			if done > 5<<20 && cancelledAt.Load() == 0 {
				cancelledAt.Store(time.Now().UnixNano())
				cancel()
			}
		}})
	returned := time.Now()
	require.ErrorIs(t, err, context.Canceled)
	require.NotZero(t, cancelledAt.Load(), "the upload ended before it was cancelled")
	took := returned.Sub(time.Unix(0, cancelledAt.Load()))
	t.Logf("returned %v after the cancel, %d of %d files stored: %v", took, stats.Files, len(files), err)
	assert.Less(t, took, 2*time.Second)
	assert.Less(t, stats.Files, len(files))
	assert.Contains(t, err.Error(), fmt.Sprintf("of %d files", len(files)))
	assert.NotContains(t, err.Error(), "sig=")
	// No file is opened after Upload returned: count at the return, then wait until every
	// goroutine of the upload has ended (no one left to open anything), and count again.
	n := opens.Load()
	settleGoroutines(t, before)
	assert.Equal(t, n, opens.Load(), "files opened after Upload returned")
}

func TestUploadErrorsNameTheFileAndHideTheSAS(t *testing.T) {
	az := azuritetest.Start(t)
	files := []File{memFile("src/a.py", "print(1)\n")}
	fast := &UploadOptions{Retry: policy.RetryOptions{MaxRetries: -1}}
	noSecret := func(t *testing.T, err error, containerURL string) {
		t.Helper()
		q, perr := url.Parse(containerURL)
		require.NoError(t, perr)
		sig := q.Query().Get("sig")
		require.NotEmpty(t, sig)
		for e := err; e != nil; e = errors.Unwrap(e) {
			assert.NotContains(t, e.Error(), sig)
			assert.NotContains(t, e.Error(), url.QueryEscape(sig))
			assert.NotContains(t, e.Error(), q.RawQuery)
		}
		var walk func(error)
		walk = func(e error) { // every error in the tree, multi-unwraps too
			if e == nil {
				return
			}
			assert.NotContains(t, e.Error(), url.QueryEscape(sig))
			switch u := e.(type) {
			case interface{ Unwrap() error }:
				walk(u.Unwrap())
			case interface{ Unwrap() []error }:
				for _, c := range u.Unwrap() {
					walk(c)
				}
			}
		}
		walk(err)
	}

	t.Run("container does not exist", func(t *testing.T) {
		u, err := az.SASURL("nosuchcontainer", azuritetest.UploadPermissions, time.Hour)
		require.NoError(t, err)
		_, err = Upload(t.Context(), u, "code", files, fast)
		require.Error(t, err)
		t.Log(err)
		assert.Contains(t, err.Error(), `codeasset: uploading "src/a.py"`)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 404, re.StatusCode)
		assert.Equal(t, "ContainerNotFound", re.ErrorCode)
		noSecret(t, err, u)
	})
	t.Run("read-only SAS", func(t *testing.T) {
		require.NoError(t, az.CreateContainer(t.Context(), "readonly"))
		u, err := az.SASURL("readonly", sas.ContainerPermissions{Read: true, List: true}, time.Hour)
		require.NoError(t, err)
		_, err = Upload(t.Context(), u, "code", files, fast)
		require.Error(t, err)
		t.Log(err)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 403, re.StatusCode)
		noSecret(t, err, u)
	})
	t.Run("nothing listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		good := az.ContainerSAS(t, "unreachable", time.Hour)
		u := strings.Replace(good, strings.TrimPrefix(az.BlobEndpoint, "http://")[:len(addr)], addr, 1)
		require.NotEqual(t, good, u)
		_, err = Upload(t.Context(), u, "code", files, fast)
		require.Error(t, err)
		t.Log(err)
		var ue *url.Error
		require.ErrorAs(t, err, &ue, "the transport error keeps its type")
		assert.NotContains(t, ue.URL, "?")
		noSecret(t, err, u)
	})
	t.Run("bad URL", func(t *testing.T) {
		_, err := Upload(t.Context(), "http://[::1/c?sig=topsecret", "code", files, nil)
		require.Error(t, err)
		t.Log(err)
		assert.NotContains(t, err.Error(), "topsecret")
	})
}

func TestUploadFileErrors(t *testing.T) {
	az := azuritetest.Start(t)
	u := az.ContainerSAS(t, "fileerrors", time.Hour)
	boom := errors.New("disk on fire")
	_, err := Upload(t.Context(), u, "code", []File{memFile("ok", "1"),
		{Path: "src/bad.py", Size: 1, Open: func() (io.ReadCloser, error) { return nil, boom }}}, nil)
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), `"src/bad.py"`)

	// A file that changed size since it was listed, on disk, in memory, large and small.
	dir := t.TempDir()
	p := filepath.Join(dir, "grew.txt")
	require.NoError(t, os.WriteFile(p, []byte("0123456789"), 0o644))
	onDisk := File{Path: "grew.txt", Size: 5, Open: func() (io.ReadCloser, error) { return os.Open(p) }}
	stream := streamOnly(memFile("stream.txt", "abc"))
	stream.Size = 4
	bigDisk := File{Path: "big.txt", Size: 200 << 10, Open: onDisk.Open}
	for _, f := range []File{onDisk, stream, bigDisk} {
		_, err = Upload(t.Context(), u, "code", []File{f}, &UploadOptions{BlockSize: 64 << 10})
		require.ErrorIs(t, err, ErrChanged, f.Path)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", f.Path))
	}
}

func TestUploadRejectsBadInput(t *testing.T) {
	files := []File{memFile("a", "1")}
	for name, call := range map[string]func() error{
		"prefix":     func() error { _, err := Upload(t.Context(), "http://x/c", "/abs", files, nil); return err },
		"prefix dot": func() error { _, err := Upload(t.Context(), "http://x/c", "a/../b", files, nil); return err },
		"block size": func() error {
			_, err := Upload(t.Context(), "http://x/c", "", files, &UploadOptions{BlockSize: 1000})
			return err
		},
		"duplicate": func() error {
			_, err := Upload(t.Context(), "http://x/c", "", append(files, files...), nil)
			return err
		},
	} {
		err := call()
		require.Error(t, err, name)
		assert.True(t, strings.HasPrefix(err.Error(), "codeasset: "), err.Error())
	}
}
