package codeasset

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"sync/atomic"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/amlgo/amlgo/internal/sasredact"
)

// do uploads one unit.
func (u *uploader) do(ctx context.Context, un unit) error {
	var err error
	if un.big == nil {
		err = u.putFile(ctx, un.f)
	} else {
		err = u.putBlock(ctx, un.big, un.block)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err() // stopped: the caller reports why
	}
	return fmt.Errorf("codeasset: uploading %q: %w", un.f.Path, sasredact.Error(err))
}

// putFile uploads a small file with one request.
func (u *uploader) putFile(ctx context.Context, f *File) error {
	r, err := f.Open()
	if err != nil {
		return fmt.Errorf("opening: %w", err)
	}
	defer r.Close()
	body, err := exactBody(r, f.Size)
	if err != nil {
		return err
	}
	bb := u.cc.NewBlockBlobClient(u.blobName(f.Path))
	if _, err := bb.Upload(ctx, streaming.NopCloser(body), nil); err != nil {
		return err
	}
	u.stored(f.Size, true)
	return nil
}

// exactBody returns r as a seekable body of exactly size bytes: r itself when it can seek (its
// length checked), else its content read into memory (size is at most the block size).
func exactBody(r io.Reader, size int64) (io.ReadSeeker, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if err := checkLength(rs, size); err != nil {
			return nil, err
		}
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("reading: %w", err)
		}
		return rs, nil
	}
	buf := make([]byte, size+1)
	n, err := io.ReadFull(r, buf)
	switch {
	case int64(n) == size && (err == io.ErrUnexpectedEOF || err == io.EOF):
	case err == nil || err == io.ErrUnexpectedEOF || err == io.EOF:
		return nil, sizeError(size, int64(n))
	default:
		return nil, fmt.Errorf("reading: %w", err)
	}
	return bytes.NewReader(buf[:size]), nil
}

// checkLength compares the length of r, found by Stat or by seeking to its end, with size.
func checkLength(r any, size int64) error {
	var n int64
	switch s := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		fi, err := s.Stat()
		if err != nil {
			return fmt.Errorf("reading: %w", err)
		}
		n = fi.Size()
	case io.Seeker:
		end, err := s.Seek(0, io.SeekEnd)
		if err != nil {
			return fmt.Errorf("reading: %w", err)
		}
		n = end
	default:
		return nil
	}
	if n != size {
		return sizeError(size, n)
	}
	return nil
}

// bigFile is a file uploaded in blocks. The first of its units to run opens it; when the
// reader is an io.ReaderAt every unit stages its own block and the last one commits the list,
// otherwise the first unit streams the whole file and the others have nothing to do.
type bigFile struct {
	f         *File
	blockSize int64
	ids       []string
	left      atomic.Int64 // blocks not yet staged

	openOnce sync.Once
	rc       io.ReadCloser
	ra       io.ReaderAt // nil when rc cannot read at an offset
	openErr  error
	closeMu  sync.Mutex
	closed   bool
}

func newBigFile(f *File, blockSize int64) *bigFile {
	n := int((f.Size + blockSize - 1) / blockSize)
	b := &bigFile{f: f, blockSize: blockSize, ids: make([]string, n)}
	for k := range b.ids {
		// Block ids of one blob must all have the same length.
		b.ids[k] = base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "amlgo-block-%08d", k))
	}
	b.left.Store(int64(n))
	return b
}

// open opens the file once; first reports whether this call did.
func (b *bigFile) open() (first bool, err error) {
	b.openOnce.Do(func() {
		first = true
		rc, err := b.f.Open()
		if err != nil {
			b.openErr = fmt.Errorf("opening: %w", err)
			return
		}
		b.rc = rc
		if err := checkLength(rc, b.f.Size); err != nil {
			b.openErr = err
			return
		}
		b.ra, _ = rc.(io.ReaderAt)
	})
	return first, b.openErr
}

func (b *bigFile) close() {
	b.closeMu.Lock()
	defer b.closeMu.Unlock()
	if b.rc != nil && !b.closed {
		b.rc.Close()
		b.closed = true
	}
}

// putBlock stages block k of b, and commits the block list after the last one.
func (u *uploader) putBlock(ctx context.Context, b *bigFile, k int) error {
	first, err := b.open()
	if err != nil {
		if first {
			return err
		}
		return nil // reported by the unit that opened it
	}
	bb := u.cc.NewBlockBlobClient(u.blobName(b.f.Path))
	if b.ra == nil {
		if !first {
			return nil
		}
		return u.streamFile(ctx, bb, b)
	}
	off := int64(k) * b.blockSize
	n := min(b.blockSize, b.f.Size-off)
	body := io.NewSectionReader(b.ra, off, n)
	if _, err := bb.StageBlock(ctx, b.ids[k], streaming.NopCloser(body), nil); err != nil {
		return err
	}
	if b.left.Add(-1) > 0 {
		u.stored(n, false)
		return nil
	}
	if _, err := bb.CommitBlockList(ctx, b.ids, nil); err != nil {
		return err
	}
	b.close()
	u.stored(n, true)
	return nil
}

// streamFile uploads a large file whose reader cannot read at an offset, block after block.
func (u *uploader) streamFile(ctx context.Context, bb *blockblob.Client, b *bigFile) error {
	cr := &countingReader{r: io.LimitReader(b.rc, b.f.Size+1)}
	_, err := bb.UploadStream(ctx, cr, &blockblob.UploadStreamOptions{BlockSize: b.blockSize, Concurrency: 1})
	if err != nil {
		return err
	}
	if cr.n != b.f.Size {
		return sizeError(b.f.Size, cr.n)
	}
	b.close()
	u.stored(b.f.Size, true)
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
