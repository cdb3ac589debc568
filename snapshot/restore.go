package snapshot

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Restore extracts a tar stream written by WriteArchive into dest (created
// if missing). It accepts directories, regular files and symlinks only, and
// refuses, with an error wrapping ErrUnsafePath, any entry that could touch
// something outside dest: absolute names, names with "..", unclean names,
// duplicate names, symlinks whose target is absolute or resolves outside
// dest, and any entry below a symlink (writes never go through a symlink,
// whether the archive created it or it was already in dest). All file
// system access goes through an os.Root on dest, so even a race cannot
// escape it. Modes are restored (permission bits only; directories last).
// On error, what was extracted so far stays in dest.
func Restore(ctx context.Context, r io.Reader, dest string) error {
	x, err := newExtractor(dest)
	if err != nil {
		return err
	}
	defer x.close()
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("snapshot: reading archive: %w", err)
		}
		perm := fs.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = x.mkdir(strings.TrimSuffix(hdr.Name, "/"), perm)
		case tar.TypeReg:
			err = x.writeFile(ctx, hdr.Name, perm, tr, hdr.Size, "")
		case tar.TypeSymlink:
			err = x.symlink(hdr.Name, hdr.Linkname)
		case tar.TypeXGlobalHeader:
			continue
		default:
			err = fmt.Errorf("snapshot: archive entry %q has unsupported type %q", hdr.Name, hdr.Typeflag)
		}
		if err != nil {
			return err
		}
	}
	return x.finish()
}

// Materialize writes the snapshot's tree into dest (created if missing),
// reading each regular file's content from open, typically a
// content-addressed store: func(f File) (io.ReadCloser, error) { return
// store.OpenBlob(f.SHA256) }. Content is checked against the manifest (size
// and sha256; ErrContentMismatch) and the same safety rules as Restore
// apply. On error, what was written so far stays in dest.
func (s *Snapshot) Materialize(ctx context.Context, dest string, open func(File) (io.ReadCloser, error)) error {
	x, err := newExtractor(dest)
	if err != nil {
		return err
	}
	defer x.close()
	for _, f := range s.Files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		switch {
		case f.IsDir():
			err = x.mkdir(f.Path, f.Mode.Perm())
		case f.IsSymlink():
			err = x.symlink(f.Path, f.LinkTarget)
		case f.IsRegular():
			var rc io.ReadCloser
			if rc, err = open(f); err != nil {
				return fmt.Errorf("snapshot: opening content of %s: %w", f.Path, err)
			}
			err = x.writeFile(ctx, f.Path, f.Mode.Perm(), rc, f.Size, f.SHA256)
			rc.Close()
		default:
			err = fmt.Errorf("snapshot: %q has unsupported type %v", f.Path, f.Mode.Type())
		}
		if err != nil {
			return err
		}
	}
	return x.finish()
}

// extractor writes entries below an os.Root, enforcing the safety rules.
type extractor struct {
	root     *os.Root
	created  map[string]fs.FileMode // entries written in this run, by type
	realDirs map[string]bool        // directories known to be real (not symlinks)
	links    []linkEntry
	dirPerms []dirPerm
}

type linkEntry struct{ name, target string }
type dirPerm struct {
	name string
	perm fs.FileMode
}

func newExtractor(dest string) (*extractor, error) {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return &extractor{root: root, created: map[string]fs.FileMode{}, realDirs: map[string]bool{}}, nil
}

func (x *extractor) close() { x.root.Close() }

// prepare validates name, makes sure its parents are real directories
// (creating missing ones), and clears the way for a new entry of type typ.
func (x *extractor) prepare(name string, typ fs.FileMode) error {
	if err := checkRelPath(name); err != nil {
		return err
	}
	if _, dup := x.created[name]; dup {
		return fmt.Errorf("%w: duplicate entry %q", ErrUnsafePath, name)
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '/' {
			continue
		}
		parent := name[:i]
		if x.realDirs[parent] {
			continue
		}
		if t, ok := x.created[parent]; ok && t != fs.ModeDir {
			return fmt.Errorf("%w: %q is below %q, which is not a directory", ErrUnsafePath, name, parent)
		}
		fi, err := x.root.Lstat(parent)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := x.root.Mkdir(parent, 0o755); err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
		case err != nil:
			return fmt.Errorf("snapshot: %w", err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%w: %q would be written through the symlink %q", ErrUnsafePath, name, parent)
		case !fi.IsDir():
			return fmt.Errorf("snapshot: %q: %q is not a directory", name, parent)
		}
		x.realDirs[parent] = true
	}
	fi, err := x.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("snapshot: %w", err)
	case fi.IsDir() && typ == fs.ModeDir:
		return nil // reuse the existing directory
	case fi.IsDir():
		return fmt.Errorf("snapshot: %q exists in the destination and is a directory", name)
	}
	if err := x.root.Remove(name); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

func (x *extractor) mkdir(name string, perm fs.FileMode) error {
	if err := x.prepare(name, fs.ModeDir); err != nil {
		return err
	}
	if err := x.root.Mkdir(name, 0o700|perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("snapshot: %w", err)
	}
	x.created[name] = fs.ModeDir
	x.realDirs[name] = true
	x.dirPerms = append(x.dirPerms, dirPerm{name, perm})
	return nil
}

func (x *extractor) symlink(name, target string) error {
	if err := checkRelPath(name); err != nil {
		return err
	}
	if err := checkLinkTarget(name, target); err != nil {
		return err
	}
	if err := x.prepare(name, fs.ModeSymlink); err != nil {
		return err
	}
	if err := x.root.Symlink(target, name); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	x.created[name] = fs.ModeSymlink
	x.links = append(x.links, linkEntry{name, target})
	return nil
}

// writeFile creates name with exactly size bytes from r; with wantSHA set it
// also checks the content's sha256 and that r holds nothing more.
func (x *extractor) writeFile(ctx context.Context, name string, perm fs.FileMode, r io.Reader, size int64, wantSHA string) (err error) {
	if err := x.prepare(name, 0); err != nil {
		return err
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	x.created[name] = 0
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("snapshot: %w", cerr)
		}
		if err != nil {
			x.root.Remove(name)
		}
	}()
	var h hash.Hash
	var dst io.Writer = f
	if wantSHA != "" {
		h = sha256.New()
		dst = io.MultiWriter(f, h)
	}
	n, err := io.CopyN(dst, ctxReader{ctx, r}, size)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("snapshot: writing %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("%w: %s: got %d bytes, want %d", ErrContentMismatch, name, n, size)
	}
	if h != nil {
		var one [1]byte
		if k, _ := io.ReadFull(r, one[:]); k != 0 {
			return fmt.Errorf("%w: %s: longer than %d bytes", ErrContentMismatch, name, size)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA {
			return fmt.Errorf("%w: %s: sha256 %s, want %s", ErrContentMismatch, name, got, wantSHA)
		}
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// finish re-checks every symlink now that the whole tree exists (a link may
// escape through links created after it), then applies directory modes,
// deepest first.
func (x *extractor) finish() error {
	look := lookupFunc{lstatFn: x.root.Lstat, readlinkFn: x.root.Readlink}
	for _, l := range x.links {
		reason, err := linkEscapes(look, l.name, l.target)
		if err == nil && reason == "" {
			continue
		}
		x.root.Remove(l.name)
		if err != nil {
			return fmt.Errorf("%w: resolving symlink %q: %v", ErrUnsafePath, l.name, err)
		}
		return fmt.Errorf("%w: symlink %q -> %q: %s", ErrUnsafePath, l.name, l.target, reason)
	}
	slices.SortFunc(x.dirPerms, func(a, b dirPerm) int { return strings.Compare(b.name, a.name) })
	for _, d := range x.dirPerms {
		if err := x.root.Chmod(d.name, d.perm); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	}
	return nil
}

// ctxReader stops reading once ctx is done.
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
