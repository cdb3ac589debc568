package codeasset

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/amlgo/amlgo/internal/sasredact"
)

// DefaultConcurrency is the number of requests Upload keeps in flight when
// UploadOptions.Concurrency is 0. Uploading a code asset is latency-bound (thousands of small
// blobs, one request each), not CPU-bound, so it is several times the core count: in
// internal/bench/codeupload (5,000 files, 200 MiB, 2 cores) through a 20 ms round trip, 4, 8,
// 16, 32 and 64 requests took 30.2, 16.5, 14.1, 14.5 and 14.8 s (the emulator's CPU being the
// limit from 16 on); on loopback every value from 4 to 64 was as fast.
const DefaultConcurrency = 16

// DefaultBlockSize is the block size when UploadOptions.BlockSize is 0: a file up to this size
// is one request, a larger one is staged in blocks of this size (in parallel, when its reader
// is an io.ReaderAt) and then committed.
const DefaultBlockSize = 8 << 20

// Block size bounds: the service's own limits, and the block count it allows per blob.
const (
	minBlockSize = 64 << 10
	maxBlockSize = 4000 << 20
	maxBlocks    = 50000
)

// UploadOptions tunes Upload. The zero value and nil mean the defaults.
type UploadOptions struct {
	// Concurrency is the number of requests in flight at once (whole small files and blocks of
	// large ones alike); 0 means DefaultConcurrency.
	Concurrency int
	// BlockSize is the size above which a file is uploaded in blocks, and the block size;
	// 0 means DefaultBlockSize. It must be between 64 KiB and 4000 MiB; a file that would need
	// more than 50,000 blocks uses larger ones.
	BlockSize int64
	// Progress, when set, is called after each file or block is stored, with the bytes stored
	// so far and the total. Calls never overlap and done only grows.
	Progress func(done, total int64)
	// Transport sends the requests; nil means a private HTTP client sized for Concurrency,
	// whose connections are closed when Upload returns.
	Transport policy.Transporter
	// Retry is the retry policy of every request; the zero value is azcore's default (three
	// retries of failed connections, timeouts, 408, 429 and 5xx, from 0.8 s doubling).
	Retry policy.RetryOptions
}

func (o *UploadOptions) concurrency() int {
	if o == nil || o.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return o.Concurrency
}

func (o *UploadOptions) blockSize() int64 {
	if o == nil || o.BlockSize == 0 {
		return DefaultBlockSize
	}
	return o.BlockSize
}

// UploadStats tells what Upload did.
type UploadStats struct {
	Files    int           // files stored completely
	Bytes    int64         // bytes stored (of complete files and staged blocks)
	Duration time.Duration // wall time of the upload
}

// Upload stores every file as the block blob prefix + "/" + File.Path (File.Path alone when
// prefix is "") in the container that containerURL names; containerURL carries the SAS token
// as its query, as startPendingUpload hands it out, and the token needs create and write
// permissions. Existing blobs are overwritten, so an interrupted upload can simply be
// repeated. Files are read as they are sent: small ones whole, one request each, and those
// above UploadOptions.BlockSize in blocks, all through UploadOptions.Concurrency requests at a
// time, largest files first.
//
// The first failure stops the upload; its error names the file and, like every error here,
// never contains the SAS token (the query of any URL in it is cut off). Cancelling ctx stops
// every request at once; the error then matches ctx.Err() with errors.Is. The stats are
// returned in every case and tell what was stored before an error.
func Upload(ctx context.Context, containerURL, prefix string, files []File, opts *UploadOptions) (*UploadStats, error) {
	start := time.Now()
	stats := &UploadStats{}
	if err := checkFiles(files); err != nil {
		return stats, err
	}
	if prefix != "" {
		if err := checkPath(prefix); err != nil {
			return stats, fmt.Errorf("codeasset: upload prefix %q: %w", prefix, err)
		}
	}
	conc, bs := opts.concurrency(), opts.blockSize()
	if bs < minBlockSize || bs > maxBlockSize {
		return stats, fmt.Errorf("codeasset: block size %d is outside [%d, %d]", bs, minBlockSize, maxBlockSize)
	}
	var transport policy.Transporter
	var retry policy.RetryOptions
	if opts != nil {
		retry = opts.Retry
	}
	if opts != nil && opts.Transport != nil {
		transport = opts.Transport
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 2*conc, conc
		defer t.CloseIdleConnections()
		transport = &http.Client{Transport: t}
	}
	cc, err := container.NewClientWithNoCredential(containerURL, &container.ClientOptions{
		ClientOptions: policy.ClientOptions{Transport: transport, Retry: retry},
	})
	if err != nil {
		return stats, fmt.Errorf("codeasset: container URL %s: %w", sasredact.URL(containerURL), sasredact.Error(err))
	}
	u := &uploader{cc: cc, prefix: prefix, stats: stats}
	if opts != nil {
		u.progress = opts.Progress
	}
	u.plan(files, bs)
	err = u.run(ctx, conc)
	stats.Duration = time.Since(start)
	return stats, err
}

// uploader is one Upload call: a list of units (a whole file, or one block of a large file)
// that a pool of workers takes in order.
type uploader struct {
	cc       *container.Client
	prefix   string
	progress func(done, total int64)
	units    []unit
	big      []*bigFile
	nfiles   int
	next     atomic.Int64 // index of the next unit to take

	mu    sync.Mutex // guards what follows, and serializes progress calls
	stats *UploadStats
	total int64
	err   error
}

// unit is a whole file (big == nil) or block number block of a large file.
type unit struct {
	f     *File
	big   *bigFile
	block int
}

// plan lists the units: files by decreasing size, so that the large ones start first and the
// small ones fill in around them.
func (u *uploader) plan(files []File, blockSize int64) {
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return files[order[a]].Size > files[order[b]].Size })
	u.nfiles = len(files)
	for _, i := range order {
		f := &files[i]
		u.total += f.Size
		if f.Size <= blockSize {
			u.units = append(u.units, unit{f: f})
			continue
		}
		bs := blockSize
		if n := (f.Size + bs - 1) / bs; n > maxBlocks {
			bs = (f.Size + maxBlocks - 1) / maxBlocks
			bs = (bs + 1<<20 - 1) &^ (1<<20 - 1) // whole MiB
		}
		b := newBigFile(f, bs)
		u.big = append(u.big, b)
		for k := range b.ids {
			u.units = append(u.units, unit{f: f, big: b, block: k})
		}
	}
}

// run works through the units with conc workers and returns the first error.
func (u *uploader) run(parent context.Context, conc int) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var wg sync.WaitGroup
	for range min(conc, len(u.units)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(u.next.Add(1) - 1)
				if i >= len(u.units) {
					return
				}
				if err := u.do(ctx, u.units[i]); err != nil {
					u.fail(err)
					cancel()
				}
			}
		})
	}
	wg.Wait()
	for _, b := range u.big {
		b.close()
	}
	if err := parent.Err(); err != nil {
		return fmt.Errorf("codeasset: upload stopped after %d of %d files: %w", u.stats.Files, u.nfiles, err)
	}
	return u.err
}

// fail records the first error.
func (u *uploader) fail(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err == nil {
		u.err = err
	}
}

// stored counts bytes stored, and a file when it is complete, and reports progress.
func (u *uploader) stored(bytes int64, fileDone bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.stats.Bytes += bytes
	if fileDone {
		u.stats.Files++
	}
	if u.progress != nil {
		u.progress(u.stats.Bytes, u.total)
	}
}

// blobName is the blob a file is stored as.
func (u *uploader) blobName(path string) string {
	if u.prefix == "" {
		return path
	}
	return u.prefix + "/" + path
}
