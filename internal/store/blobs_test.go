package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// blobFiles lists every file under the blob directory.
func blobFiles(t *testing.T, s *Store) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(filepath.Join(s.Dir(), BlobsDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	}))
	return files
}

func TestPutBlobDedupes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sum, n, err := s.PutBlob(ctx, strings.NewReader("hello world"))
	require.NoError(t, err)
	assert.Equal(t, sha("hello world"), sum)
	assert.EqualValues(t, 11, n)
	assert.Equal(t, filepath.Join(s.Dir(), BlobsDir, sum[:2], sum), s.BlobPath(sum))

	sum2, _, err := s.PutBlob(ctx, strings.NewReader("hello world"))
	require.NoError(t, err)
	assert.Equal(t, sum, sum2)
	assert.Equal(t, []string{s.BlobPath(sum)}, blobFiles(t, s), "same content twice: one file, no temp left")

	f, err := s.OpenBlob(sum)
	require.NoError(t, err)
	b, err := io.ReadAll(f)
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, "hello world", string(b))
	assert.True(t, s.HasBlob(sum))

	empty, n, err := s.PutBlob(ctx, strings.NewReader(""))
	require.NoError(t, err)
	assert.Equal(t, sha(""), empty)
	assert.Zero(t, n)
	assert.True(t, s.HasBlob(empty))
}

func TestPutBlobFile(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "model.pkl")
	require.NoError(t, os.WriteFile(src, []byte("weights"), 0o644))
	sum, n, err := s.PutBlobFile(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, sha("weights"), sum)
	assert.EqualValues(t, 7, n)
	sum2, _, err := s.PutBlob(ctx, strings.NewReader("weights"))
	require.NoError(t, err)
	assert.Equal(t, sum, sum2)
	sum3, _, err := s.PutBlobFile(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, sum, sum3)
	assert.Len(t, blobFiles(t, s), 1)
	assertMode(t, s.BlobPath(sum), 0o600)

	// The blob is a copy: changing the source leaves it intact.
	require.NoError(t, os.WriteFile(src, []byte("changed"), 0o644))
	b, err := os.ReadFile(s.BlobPath(sum))
	require.NoError(t, err)
	assert.Equal(t, "weights", string(b))

	_, _, err = s.PutBlobFile(ctx, t.TempDir())
	assert.ErrorContains(t, err, "not a regular file")
	_, _, err = s.PutBlobFile(ctx, filepath.Join(t.TempDir(), "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestPutBlobReplacesTruncatedBlob(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sum, _, err := s.PutBlob(ctx, strings.NewReader("full content"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(s.BlobPath(sum), []byte("full"), 0o600))
	_, _, err = s.PutBlob(ctx, strings.NewReader("full content"))
	require.NoError(t, err)
	b, err := os.ReadFile(s.BlobPath(sum))
	require.NoError(t, err)
	assert.Equal(t, "full content", string(b))
}

func TestPutBlobCanceled(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := s.PutBlob(ctx, strings.NewReader("data"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, blobFiles(t, s), "temp file removed")
}

func TestBlobLookupErrors(t *testing.T) {
	s := newStore(t)
	_, err := s.OpenBlob(sha("absent"))
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.OpenBlob("../../etc/passwd")
	assert.ErrorContains(t, err, "invalid blob hash")
	assert.False(t, s.HasBlob(sha("absent")))
	assert.False(t, s.HasBlob(strings.ToUpper(sha("absent"))))
	assert.Equal(t, "", s.BlobPath("zz"))
}

func TestConcurrentPutBlobSameContent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	content := strings.Repeat("x", 1<<16)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, _, err := s.PutBlob(ctx, strings.NewReader(content))
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, []string{s.BlobPath(sha(content))}, blobFiles(t, s))
}
