package containergroup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/appendblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"

	"github.com/amlgo/amlgo/internal/driver"
)

// The containers a Store keeps in the storage account of the workspace's default datastore.
const (
	// SnapshotContainer holds content-addressed files (files/<sha256>) and run manifests
	// (manifests/<sha256>.json): nothing but code, so a job may read all of it.
	SnapshotContainer = "amlgo-snapshots"
	// RunContainer holds each run's files under <run id>/: the logs and metric records the
	// job appends, its state files and its outputs tar.
	RunContainer = "amlgo-runs"
	// OutputsBlob is the outputs tar's name inside a run's prefix.
	OutputsBlob = "outputs.tar"
)

// uploadConcurrency is how many snapshot files are checked or uploaded at once.
const uploadConcurrency = 8

// maxAppendBlock is the largest append block the service takes.
const maxAppendBlock = 4 << 20

// Store is the blob storage of container-group runs: snapshots in, run files out. It signs
// SAS tokens with the account key, which it never shows.
type Store struct {
	svc     *service.Client
	account string
}

// NewStore returns a Store on the account at accountURL ("https://<account>.blob.core.windows.net/",
// or an emulator's path-style URL) with its key. opts may be nil.
func NewStore(accountURL, account, key string, opts *azcore.ClientOptions) (*Store, error) {
	cred, err := service.NewSharedKeyCredential(account, key)
	if err != nil {
		return nil, fmt.Errorf("containergroup: the storage account key of %s is not usable: %w", account, errors.New("malformed key"))
	}
	var o service.ClientOptions
	if opts != nil {
		o.ClientOptions = *opts
	}
	svc, err := service.NewClientWithSharedKeyCredential(strings.TrimSuffix(accountURL, "/")+"/", cred, &o)
	if err != nil {
		return nil, fmt.Errorf("containergroup: %w", err)
	}
	return &Store{svc: svc, account: account}, nil
}

// Account is the storage account's name.
func (s *Store) Account() string { return s.account }

// Ensure creates the Store's two containers where they are missing.
func (s *Store) Ensure(ctx context.Context) error {
	for _, name := range []string{SnapshotContainer, RunContainer} {
		_, err := s.svc.CreateContainer(ctx, name, nil)
		if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			return fmt.Errorf("containergroup: creating blob container %s in account %s: %w", name, s.account, err)
		}
	}
	return nil
}

// Content is one regular file to upload, by content.
type Content struct {
	SHA256 string
	Size   int64
	Open   func() (io.ReadCloser, error)
}

// UploadStats say what UploadFiles did.
type UploadStats struct {
	// Uploaded and Present count the distinct contents uploaded and found already there.
	Uploaded, Present int
	// Bytes is the size of what was uploaded.
	Bytes int64
}

// UploadFiles uploads each content that the snapshot container does not hold yet, as
// files/<sha256>; contents already there are not read.
func (s *Store) UploadFiles(ctx context.Context, files []Content) (UploadStats, error) {
	cc := s.svc.NewContainerClient(SnapshotContainer)
	seen := map[string]bool{}
	var todo []Content
	for _, f := range files {
		if !seen[f.SHA256] {
			seen[f.SHA256] = true
			todo = append(todo, f)
		}
	}
	var (
		mu    sync.Mutex
		st    UploadStats
		errs  []error
		wg    sync.WaitGroup
		queue = make(chan Content)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(uploadConcurrency, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range queue {
				up, err := s.uploadOne(ctx, cc, f)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, err)
					cancel()
				case up:
					st.Uploaded++
					st.Bytes += f.Size
				default:
					st.Present++
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range todo {
		if ctx.Err() != nil {
			break
		}
		queue <- f
	}
	close(queue)
	wg.Wait()
	if len(errs) > 0 {
		return st, errors.Join(errs...)
	}
	return st, ctx.Err()
}

func (s *Store) uploadOne(ctx context.Context, cc *container.Client, f Content) (bool, error) {
	bc := cc.NewBlockBlobClient("files/" + f.SHA256)
	if _, err := bc.GetProperties(ctx, nil); err == nil {
		return false, nil
	} else if !bloberror.HasCode(err, bloberror.BlobNotFound) {
		return false, fmt.Errorf("containergroup: checking snapshot blob files/%s: %w", f.SHA256, err)
	}
	r, err := f.Open()
	if err != nil {
		return false, err
	}
	defer r.Close()
	if _, err := bc.UploadStream(ctx, r, &blockblob.UploadStreamOptions{BlockSize: 4 << 20, Concurrency: 2}); err != nil {
		return false, fmt.Errorf("containergroup: uploading snapshot blob files/%s: %w", f.SHA256, err)
	}
	return true, nil
}

// PutManifest stores m as manifests/<sha256>.json and returns that name; an identical
// manifest already stored is not uploaded again.
func (s *Store) PutManifest(ctx context.Context, m driver.BootManifest) (name string, uploaded bool, err error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", false, err
	}
	sum := sha256.Sum256(b)
	name = "manifests/" + hex.EncodeToString(sum[:]) + ".json"
	bc := s.svc.NewContainerClient(SnapshotContainer).NewBlockBlobClient(name)
	if _, err := bc.GetProperties(ctx, nil); err == nil {
		return name, false, nil
	}
	if _, err := bc.UploadBuffer(ctx, b, nil); err != nil {
		return "", false, fmt.Errorf("containergroup: uploading the run manifest: %w", err)
	}
	return name, true, nil
}

// runBlob is a run file's blob name.
func runBlob(runID, rel string) string { return runID + "/" + rel }

// Plan signs the bootstrap's plan for a run: a read-only SAS of the snapshot container valid
// for readTTL, and for each run file a SAS that may write that one blob, valid for writeTTL.
func (s *Store) Plan(runID, manifest string, readTTL, writeTTL time.Duration) (driver.BootPlan, error) {
	now := time.Now().UTC()
	start := now.Add(-5 * time.Minute) // clock skew between this machine and the service
	snap, err := s.svc.NewContainerClient(SnapshotContainer).GetSASURL(sas.ContainerPermissions{Read: true}, now.Add(readTTL), &container.GetSASURLOptions{StartTime: &start})
	if err != nil {
		return driver.BootPlan{}, fmt.Errorf("containergroup: signing the snapshot SAS: %w", err)
	}
	rc := s.svc.NewContainerClient(RunContainer)
	sign := func(rel string, p sas.BlobPermissions, ttl time.Duration) (string, error) {
		u, err := rc.NewBlobClient(runBlob(runID, rel)).GetSASURL(p, now.Add(ttl), &blob.GetSASURLOptions{StartTime: &start})
		if err != nil {
			return "", fmt.Errorf("containergroup: signing a run file SAS: %w", err)
		}
		return u, nil
	}
	plan := driver.BootPlan{Snapshot: snap, Manifest: manifest, Files: map[string]string{}}
	rw := sas.BlobPermissions{Read: true, Add: true, Create: true, Write: true}
	for _, rel := range driver.BootFiles {
		if plan.Files[rel], err = sign(rel, rw, writeTTL); err != nil {
			return driver.BootPlan{}, err
		}
	}
	if plan.Kill, err = sign(driver.RelKillFile, sas.BlobPermissions{Read: true}, writeTTL); err != nil {
		return driver.BootPlan{}, err
	}
	if plan.Outputs, err = sign(OutputsBlob, sas.BlobPermissions{Create: true, Write: true}, writeTTL); err != nil {
		return driver.BootPlan{}, err
	}
	return plan, nil
}

// AppendRunFile appends data to a run's append blob rel (created if missing), at the blob's
// current end: the SDK's own lines of the control log, written before the job starts.
func (s *Store) AppendRunFile(ctx context.Context, runID, rel string, data []byte) error {
	ab := s.svc.NewContainerClient(RunContainer).NewAppendBlobClient(runBlob(runID, rel))
	props, err := ab.GetProperties(ctx, nil)
	var size int64
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		if _, err := ab.Create(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.BlobAlreadyExists) {
			return fmt.Errorf("containergroup: creating %s: %w", rel, err)
		}
	case err != nil:
		return fmt.Errorf("containergroup: reading %s: %w", rel, err)
	case props.ContentLength != nil:
		size = *props.ContentLength
	}
	for len(data) > 0 {
		n := min(len(data), maxAppendBlock)
		_, err := ab.AppendBlock(ctx, streaming.NopCloser(bytes.NewReader(data[:n])), &appendblob.AppendBlockOptions{
			AppendPositionAccessConditions: &appendblob.AppendPositionAccessConditions{AppendPosition: &size},
		})
		if err != nil {
			return fmt.Errorf("containergroup: appending to %s: %w", rel, err)
		}
		size += int64(n)
		data = data[n:]
	}
	return nil
}

// RequestKill creates the run's kill blob; the job's bootstrap turns it into the wrapper's kill
// file. It returns when the kill blob's creation time (its request time) is known.
func (s *Store) RequestKill(ctx context.Context, runID string) (time.Time, error) {
	bc := s.svc.NewContainerClient(RunContainer).NewBlockBlobClient(runBlob(runID, driver.RelKillFile))
	if p, err := bc.GetProperties(ctx, nil); err == nil && p.LastModified != nil {
		return p.LastModified.UTC(), nil
	}
	now := time.Now().UTC()
	if _, err := bc.UploadBuffer(ctx, []byte(now.Format(time.RFC3339Nano)+"\n"), nil); err != nil {
		return time.Time{}, fmt.Errorf("containergroup: writing the kill request of %s: %w", runID, err)
	}
	return now, nil
}

// KillRequested reports when the run's kill blob was written (zero when it was not).
func (s *Store) KillRequested(ctx context.Context, runID string) (time.Time, error) {
	p, err := s.svc.NewContainerClient(RunContainer).NewBlobClient(runBlob(runID, driver.RelKillFile)).GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("containergroup: reading the kill request of %s: %w", runID, err)
	}
	if p.LastModified == nil {
		return time.Now().UTC(), nil
	}
	return p.LastModified.UTC(), nil
}

// OpenOutputs opens the run's outputs tar; ok is false when the job wrote none.
func (s *Store) OpenOutputs(ctx context.Context, runID string) (_ io.ReadCloser, ok bool, err error) {
	resp, err := s.svc.NewContainerClient(RunContainer).NewBlobClient(runBlob(runID, OutputsBlob)).DownloadStream(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("containergroup: downloading the outputs of %s: %w", runID, err)
	}
	return resp.Body, true, nil
}

// RunFS is the run's files in blob storage as a run-directory file system: the run directory's
// relative paths name blobs under the run's prefix.
func (s *Store) RunFS(runID string) *BlobFS {
	return &BlobFS{cc: s.svc.NewContainerClient(RunContainer), prefix: runID + "/"}
}

// PutRunFileOnce writes a run's small file rel unless it exists already (the first writer
// wins: the container's record of the run's end is never overwritten).
func (s *Store) PutRunFileOnce(ctx context.Context, runID, rel string, data []byte) error {
	bc := s.svc.NewContainerClient(RunContainer).NewBlockBlobClient(runBlob(runID, rel))
	any := azcore.ETagAny
	_, err := bc.UploadBuffer(ctx, data, &blockblob.UploadBufferOptions{AccessConditions: &blob.AccessConditions{
		ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &any},
	}})
	if err != nil && !bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
		return fmt.Errorf("containergroup: writing %s of %s: %w", rel, runID, err)
	}
	return nil
}
