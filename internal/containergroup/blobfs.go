package containergroup

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/amlgo/amlgo/internal/rundir"
)

// BlobFS is a run's files in the run container, read by byte offset: the run-directory observer
// reads the logs and metric records the job appends exactly as it reads local or SFTP files,
// so an observation repeated after a dropped connection, or from another process, loses and
// duplicates nothing. Paths are relative to the run directory ("azureml-logs/70_driver_log.txt").
type BlobFS struct {
	cc     *container.Client
	prefix string
}

var _ rundir.FS = (*BlobFS)(nil)

func (f *BlobFS) name(rel string) string { return f.prefix + strings.TrimPrefix(rel, "/") }

// ReadFrom returns up to max bytes of name from off; a missing blob reads as empty.
func (f *BlobFS) ReadFrom(ctx context.Context, name string, off int64, max int, size int64) ([]byte, error) {
	if size >= 0 && off >= size {
		return nil, nil
	}
	resp, err := f.cc.NewBlobClient(f.name(name)).DownloadStream(ctx, &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: off, Count: int64(max)}})
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound):
		return nil, nil
	case bloberror.HasCode(err, bloberror.InvalidRange):
		return nil, nil // off is the blob's end
	case err != nil:
		return nil, fmt.Errorf("containergroup: reading %s: %w", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)))
	if err != nil {
		return nil, fmt.Errorf("containergroup: reading %s: %w", name, err)
	}
	return b, nil
}

// ReadSmall returns a small blob's content and whether it exists.
func (f *BlobFS) ReadSmall(ctx context.Context, name string) ([]byte, bool, error) {
	resp, err := f.cc.NewBlobClient(f.name(name)).DownloadStream(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("containergroup: reading %s: %w", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, false, fmt.Errorf("containergroup: reading %s: %w", name, err)
	}
	return b, true, nil
}

// Exists reports whether the blob name exists.
func (f *BlobFS) Exists(ctx context.Context, name string) (bool, error) {
	_, err := f.cc.NewBlobClient(f.name(name)).GetProperties(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("containergroup: reading %s: %w", name, err)
	}
	return true, nil
}

// RegularFiles lists the blobs directly under dir.
func (f *BlobFS) RegularFiles(ctx context.Context, dir string) ([]rundir.FileEntry, error) {
	prefix := f.name(strings.TrimSuffix(dir, "/") + "/")
	var out []rundir.FileEntry
	for p := f.cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix}); p.More(); {
		page, err := p.NextPage(ctx)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("containergroup: listing %s: %w", dir, err)
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name == nil {
				continue
			}
			rest := strings.TrimPrefix(*b.Name, prefix)
			if rest == "" || strings.Contains(rest, "/") {
				continue
			}
			var size int64
			if b.Properties != nil && b.Properties.ContentLength != nil {
				size = *b.Properties.ContentLength
			}
			out = append(out, rundir.FileEntry{Name: rest, Size: size})
		}
	}
	return out, nil
}

// Join joins path elements with slashes.
func (f *BlobFS) Join(elem ...string) string { return path.Join(elem...) }
