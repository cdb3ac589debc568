package codeasset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HashVersion is the version of the content-hash algorithm ContentHash implements, as
// azure-ai-ml records it next to the hash on a code version (properties.hash_version) and
// passes it to the list-by-hash query (hashVersion=202208).
const HashVersion = "202208"

// File is one file of a code asset.
type File struct {
	// Path is slash-separated and relative to the asset's root, e.g. "src/train.py": the name
	// that is hashed and the blob name below the upload prefix.
	Path string
	// Size is the content length in bytes. Reading the content must give exactly Size bytes;
	// a file that changed since Size was taken is an error, not a silently different hash.
	Size int64
	// Open opens the content for reading. It may be called more than once (ContentHash and
	// Upload each open every file) and from several goroutines at a time. When the returned
	// reader is an io.ReadSeeker (an *os.File is), Upload streams it without copying; when it
	// is also an io.ReaderAt, a large file is uploaded in parallel blocks.
	Open func() (io.ReadCloser, error)
}

// ContentHash returns azure-ai-ml's content hash (hash_version 202208) of exactly these
// files, as lowercase hex: the sha256 of the decimal file count, then for each file in order
// "#" + path + "#" + decimal size, then every file's content in the same order. The order is
// Python's sorted(key=str.lower) of the paths: by the code points of the lowercased path;
// two paths equal after lowering (case variants such as "A.txt" and "a.txt") keep, in
// Python, the order os.walk met them, which depends on the file system, so here they are
// ordered by their bytes instead. An empty list hashes like an empty directory.
//
// Paths must be valid UTF-8 (azure-ai-ml cannot encode others either), relative, without
// empty, "." or ".." segments, and unique; a file whose content is not Size bytes long is an
// error. Cancelling ctx stops the reading.
func ContentHash(ctx context.Context, files []File) (string, error) {
	order, err := hashOrder(files)
	if err != nil {
		return "", err
	}
	return hashInOrder(ctx, files, order)
}

// hashOrder checks files and returns their indices in hashing order.
func hashOrder(files []File) ([]int, error) {
	if err := checkFiles(files); err != nil {
		return nil, err
	}
	keys := make([]string, len(files))
	order := make([]int, len(files))
	for i, f := range files {
		keys[i] = pythonLower(f.Path)
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ka, kb := keys[order[a]], keys[order[b]]
		if ka != kb {
			return ka < kb // UTF-8 byte order is code point order
		}
		return files[order[a]].Path < files[order[b]].Path
	})
	return order, nil
}

// hashInOrder hashes files in the given order.
func hashInOrder(ctx context.Context, files []File, order []int) (string, error) {
	h := sha256.New()
	h.Write([]byte(strconv.Itoa(len(order))))
	for _, i := range order {
		f := files[i]
		h.Write([]byte("#" + f.Path + "#" + strconv.FormatInt(f.Size, 10)))
	}
	buf := make([]byte, 256<<10)
	for _, i := range order {
		if err := hashContent(ctx, h, files[i], buf); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashContent writes f's content to w, checking its length and ctx between reads.
func hashContent(ctx context.Context, w io.Writer, f File, buf []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("codeasset: hashing %q: %w", f.Path, err)
	}
	r, err := f.Open()
	if err != nil {
		return fmt.Errorf("codeasset: hashing %q: opening: %w", f.Path, err)
	}
	defer r.Close()
	n, err := copyCtx(ctx, w, io.LimitReader(r, f.Size+1), buf)
	if err != nil {
		return fmt.Errorf("codeasset: hashing %q: reading: %w", f.Path, err)
	}
	if n != f.Size {
		return fmt.Errorf("codeasset: hashing %q: %w", f.Path, sizeError(f.Size, n))
	}
	return nil
}

// ErrChanged is matched (errors.Is) by the error for a file whose content is not File.Size
// bytes long: it changed after its size was taken.
var ErrChanged = errors.New("file changed since its size was taken")

func sizeError(want, got int64) error {
	if got > want {
		return fmt.Errorf("%w: it has more than %d bytes", ErrChanged, want)
	}
	return fmt.Errorf("%w: %d bytes instead of %d", ErrChanged, got, want)
}

// copyCtx copies r to w through buf, stopping when ctx is done.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := r.Read(buf)
		if m > 0 {
			w.Write(buf[:m])
			n += int64(m)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// checkFiles rejects what azure-ai-ml could not have listed: bad or duplicate paths, negative
// sizes, files without an Open function.
func checkFiles(files []File) error {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return fmt.Errorf("codeasset: file %q: %w", f.Path, err)
		}
		if seen[f.Path] {
			return fmt.Errorf("codeasset: file %q listed twice", f.Path)
		}
		seen[f.Path] = true
		if f.Size < 0 {
			return fmt.Errorf("codeasset: file %q: negative size %d", f.Path, f.Size)
		}
		if f.Open == nil {
			return fmt.Errorf("codeasset: file %q: no Open function", f.Path)
		}
	}
	return nil
}

// checkPath checks that p is a clean, relative, slash-separated UTF-8 path.
func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case !utf8.ValidString(p):
		return errors.New("path is not valid UTF-8")
	case strings.ContainsRune(p, 0):
		return errors.New("path contains a NUL byte")
	case strings.HasPrefix(p, "/"):
		return errors.New("path is absolute")
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return errors.New("path has an empty segment")
		case ".", "..":
			return fmt.Errorf("path has a %q segment", seg)
		}
	}
	return nil
}
