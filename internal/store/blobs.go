package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// PutBlob stores the content read from r in the blob directory and returns
// its SHA-256 (lowercase hex) and size. Content is stored once: it is written
// to a temporary file next to the blobs, synced, and renamed to
// blobs/<first two hex digits>/<sha256>; if that file already exists the
// temporary file is dropped. Reading stops with ctx's error once ctx is done.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	if s.closed.Load() {
		return "", 0, ErrClosed
	}
	tmp, err := os.CreateTemp(s.blobs, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
		}
		if err != nil {
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(fileMode); err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		tmp = nil
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	tmp = nil
	sha = hex.EncodeToString(h.Sum(nil))
	final := s.BlobPath(sha)
	if fi, err := os.Stat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == size {
		// Stored already: keep the existing file.
		if err := os.Remove(tmpName); err != nil {
			return "", 0, fmt.Errorf("store: put blob: %w", err)
		}
		return sha, size, nil
	}
	if err := mkdirPrivate(filepath.Dir(final)); err != nil {
		return "", 0, err
	}
	if err := os.Rename(tmpName, final); err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	syncDir(filepath.Dir(final))
	return sha, size, nil
}

// PutBlobFile stores the content of the regular file at path, like PutBlob.
// The file is hashed first and not copied when its content is stored already.
func (s *Store) PutBlobFile(ctx context.Context, path string) (sha string, size int64, err error) {
	if s.closed.Load() {
		return "", 0, ErrClosed
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", 0, fmt.Errorf("store: put blob: %s is not a regular file", path)
	}
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, f})
	if err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if bi, err := os.Stat(s.BlobPath(sum)); err == nil && bi.Mode().IsRegular() && bi.Size() == n {
		return sum, n, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("store: put blob: %w", err)
	}
	sha, size, err = s.PutBlob(ctx, f)
	if err != nil {
		return "", 0, err
	}
	if sha != sum {
		return "", 0, fmt.Errorf("store: put blob: %s changed while it was being stored", path)
	}
	return sha, size, nil
}

// OpenBlob opens the blob with the given SHA-256 for reading; a blob that is
// not stored yields an error wrapping ErrNotFound.
func (s *Store) OpenBlob(sha string) (*os.File, error) {
	if !validSHA256(sha) {
		return nil, fmt.Errorf("store: invalid blob hash %q", sha)
	}
	f, err := os.Open(s.BlobPath(sha))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: blob %s", ErrNotFound, sha)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open blob: %w", err)
	}
	return f, nil
}

// HasBlob reports whether the blob with the given SHA-256 is stored.
func (s *Store) HasBlob(sha string) bool {
	if !validSHA256(sha) {
		return false
	}
	fi, err := os.Stat(s.BlobPath(sha))
	return err == nil && fi.Mode().IsRegular()
}

// BlobPath returns where the blob with the given SHA-256 is (or would be)
// stored. It returns "" for a string that is not 64 lowercase hex digits.
func (s *Store) BlobPath(sha string) string {
	if !validSHA256(sha) {
		return ""
	}
	return filepath.Join(s.blobs, sha[:2], sha)
}

// validSHA256 reports whether sha is 64 lowercase hex digits.
func validSHA256(sha string) bool {
	if len(sha) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(sha); i++ {
		c := sha[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// syncDir flushes a directory entry change (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ctxReader stops reading once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
