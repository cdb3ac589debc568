package snapshot

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
)

// ManifestVersion is the "version" written by MarshalJSON.
const ManifestVersion = 1

// manifestV1 is the JSON form of a snapshot:
//
//	{"version":1,"id":"<hex>","totalSize":N,"files":[
//	  {"path":"src","type":"dir","mode":"0755"},
//	  {"path":"src/train.py","type":"file","mode":"0644","size":120,"sha256":"<hex>"},
//	  {"path":"latest","type":"symlink","target":"src/train.py"}]}
type manifestV1 struct {
	Version   int             `json:"version"`
	ID        string          `json:"id"`
	TotalSize int64           `json:"totalSize"`
	Files     []manifestEntry `json:"files"`
}

type manifestEntry struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Mode   string `json:"mode,omitempty"`
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Target string `json:"target,omitempty"`
}

// MarshalJSON encodes the manifest (ID, total size and entries; not Root,
// IgnoreFile, Skipped or Stats). The output is deterministic, so equal
// snapshots encode to equal bytes.
func (s *Snapshot) MarshalJSON() ([]byte, error) {
	m := manifestV1{Version: ManifestVersion, ID: s.ID, TotalSize: s.TotalSize, Files: make([]manifestEntry, len(s.Files))}
	for i, f := range s.Files {
		e := manifestEntry{Path: f.Path}
		switch {
		case f.IsDir():
			e.Type, e.Mode = "dir", formatPerm(f.Mode)
		case f.IsSymlink():
			e.Type, e.Target = "symlink", f.LinkTarget
		case f.IsRegular():
			e.Type, e.Mode, e.Size, e.SHA256 = "file", formatPerm(f.Mode), f.Size, f.SHA256
		default:
			return nil, fmt.Errorf("snapshot: %q has unsupported type %v", f.Path, f.Mode.Type())
		}
		m.Files[i] = e
	}
	return json.Marshal(m)
}

// UnmarshalJSON decodes a manifest written by MarshalJSON and verifies it:
// every path must be safe (relative, clean, no ".."), entries sorted and
// forming a tree, and the ID must be the Merkle root of the entries. Errors
// wrap ErrInvalidManifest.
func (s *Snapshot) UnmarshalJSON(data []byte) error {
	var m manifestV1
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidManifest, err)
	}
	if m.Version != ManifestVersion {
		return fmt.Errorf("%w: unsupported version %d", ErrInvalidManifest, m.Version)
	}
	files := make([]File, len(m.Files))
	var total int64
	for i, e := range m.Files {
		if err := checkRelPath(e.Path); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
		}
		f := File{Path: e.Path}
		switch e.Type {
		case "dir":
			perm, err := parsePerm(e.Mode)
			if err != nil {
				return fmt.Errorf("%w: %q: %v", ErrInvalidManifest, e.Path, err)
			}
			f.Mode = fs.ModeDir | perm
		case "file":
			perm, err := parsePerm(e.Mode)
			if err != nil {
				return fmt.Errorf("%w: %q: %v", ErrInvalidManifest, e.Path, err)
			}
			if len(e.SHA256) != 64 || !isLowerHex(e.SHA256) {
				return fmt.Errorf("%w: %q: bad sha256", ErrInvalidManifest, e.Path)
			}
			if e.Size < 0 {
				return fmt.Errorf("%w: %q: negative size", ErrInvalidManifest, e.Path)
			}
			f.Mode, f.Size, f.SHA256 = perm, e.Size, e.SHA256
			total += e.Size
		case "symlink":
			if err := checkLinkTarget(e.Path, e.Target); err != nil {
				return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
			}
			f.Mode, f.Size, f.LinkTarget = fs.ModeSymlink|0o777, int64(len(e.Target)), e.Target
		default:
			return fmt.Errorf("%w: %q: unknown type %q", ErrInvalidManifest, e.Path, e.Type)
		}
		files[i] = f
	}
	id, err := merkleRoot(files)
	if err != nil {
		return err
	}
	if id != m.ID {
		return fmt.Errorf("%w: id %s is not the Merkle root of the entries (%s)", ErrInvalidManifest, m.ID, id)
	}
	if total != m.TotalSize {
		return fmt.Errorf("%w: totalSize %d does not match the entries (%d)", ErrInvalidManifest, m.TotalSize, total)
	}
	*s = Snapshot{ID: id, Files: files, TotalSize: total}
	return nil
}

func formatPerm(m fs.FileMode) string {
	return fmt.Sprintf("%04o", uint32(m.Perm()))
}

func parsePerm(s string) (fs.FileMode, error) {
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || len(s) != 4 || v > 0o777 {
		return 0, fmt.Errorf("bad mode %q", s)
	}
	return fs.FileMode(v), nil
}

func isLowerHex(s string) bool {
	if _, err := hex.DecodeString(s); err != nil {
		return false
	}
	for _, c := range s {
		if c >= 'A' && c <= 'F' {
			return false
		}
	}
	return true
}
