package snapshot

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// archiveModTime is the modification time of every archive entry.
var archiveModTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteArchive writes the snapshot as a tar stream read from Root: entries
// in manifest order (sorted by path, so parents come first), directories
// with a trailing "/", every header with mtime 1980-01-01 00:00 UTC, uid
// and gid 0, empty user and group names, and only the permission bits.
// Equal snapshots give byte-identical archives. Each file is checked
// against the manifest while it is copied; a file changed since Take gives
// an error wrapping ErrContentMismatch.
func (s *Snapshot) WriteArchive(w io.Writer) error {
	if s.Root == "" {
		return errors.New("snapshot: no source directory (the snapshot was loaded from a manifest); use WriteArchiveFrom")
	}
	return s.WriteArchiveFrom(w, func(f File) (io.ReadCloser, error) {
		return openNoFollow(filepath.Join(s.Root, filepath.FromSlash(f.Path)))
	})
}

// WriteArchiveFrom is WriteArchive reading the content of each regular file
// from open (for example from a content-addressed store keyed by
// File.SHA256) instead of from Root.
func (s *Snapshot) WriteArchiveFrom(w io.Writer, open func(File) (io.ReadCloser, error)) error {
	tw := tar.NewWriter(w)
	for _, f := range s.Files {
		hdr := &tar.Header{
			Name:    f.Path,
			Mode:    int64(f.Mode.Perm()),
			ModTime: archiveModTime,
			Format:  tar.FormatPAX,
		}
		switch {
		case f.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		case f.IsSymlink():
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = f.LinkTarget
		case f.IsRegular():
			hdr.Typeflag = tar.TypeReg
			hdr.Size = f.Size
		default:
			return fmt.Errorf("snapshot: %q has unsupported type %v", f.Path, f.Mode.Type())
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("snapshot: writing archive: %w", err)
		}
		if !f.IsRegular() {
			continue
		}
		if err := copyVerified(tw, f, open); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("snapshot: writing archive: %w", err)
	}
	return nil
}

// copyVerified copies the content of f to w, checking its size and sha256.
func copyVerified(w io.Writer, f File, open func(File) (io.ReadCloser, error)) error {
	rc, err := open(f)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(w, h), rc, f.Size)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("snapshot: copying %s: %w", f.Path, err)
	}
	var one [1]byte
	extra, _ := io.ReadFull(rc, one[:])
	if n != f.Size || extra != 0 {
		return fmt.Errorf("%w: %s: size differs from %d", ErrContentMismatch, f.Path, f.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return fmt.Errorf("%w: %s: sha256 %s, want %s", ErrContentMismatch, f.Path, got, f.SHA256)
	}
	return nil
}
