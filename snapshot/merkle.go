package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
)

// Node digests (all sha256; "‖" is concatenation, 0x00 a zero byte, MODE the
// permission bits as four octal digits such as "0644"):
//
//	file    H("file" ‖ 0x00 ‖ name ‖ 0x00 ‖ MODE ‖ 0x00 ‖ sha256(content))
//	symlink H("symlink" ‖ 0x00 ‖ name ‖ 0x00 ‖ target)
//	dir     H("dir" ‖ 0x00 ‖ name ‖ 0x00 ‖ MODE ‖ 0x00 ‖ child digests in name order)
//	root    H("root" ‖ 0x00 ‖ child digests in name order)
//
// name is the base name. Child digests are 32 bytes each. This is
// azureml-core's merkle_tree.py (file = hash(content ‖ name ‖ "File"),
// directory = hash of the children's digests in sorted order) with sha256,
// modes and symlinks added, and directory names hashed so a renamed or
// re-moded directory changes the root too.

// merkleRoot computes the snapshot ID of a manifest. It checks that files
// is strictly sorted by path and forms a tree (every parent is a directory
// entry), so it also validates loaded manifests.
func merkleRoot(files []File) (string, error) {
	n := len(files)
	// Entry i is node i+1; node 0 is the root. Children are kept as linked
	// lists in path order, which is name order among siblings.
	firstChild := make([]int32, n+1)
	nextSibling := make([]int32, n+1)
	for i := range firstChild {
		firstChild[i] = -1
	}
	dirNode := make(map[string]int32)
	parentOf := make([]int32, n)
	for i, f := range files {
		if i > 0 && files[i-1].Path >= f.Path {
			return "", fmt.Errorf("%w: entries not sorted or duplicated at %q", ErrInvalidManifest, f.Path)
		}
		parent := int32(0)
		if j := strings.LastIndexByte(f.Path, '/'); j >= 0 {
			p, ok := dirNode[f.Path[:j]]
			if !ok {
				return "", fmt.Errorf("%w: %q has no parent directory entry", ErrInvalidManifest, f.Path)
			}
			parent = p
		}
		parentOf[i] = parent
		if f.IsDir() {
			dirNode[f.Path] = int32(i + 1)
		}
	}
	for i := n - 1; i >= 0; i-- {
		p := parentOf[i]
		nextSibling[i+1] = firstChild[p]
		firstChild[p] = int32(i + 1)
	}
	digests := make([][32]byte, n+1)
	var buf []byte
	for i := n - 1; i >= -1; i-- {
		node := int32(i + 1)
		var children [][32]byte // gathered in order below
		for c := firstChild[node]; c >= 0; c = nextSibling[c] {
			children = append(children, digests[c])
		}
		if i < 0 {
			digests[0] = dirDigest(&buf, "", 0, true, children)
			break
		}
		f := &files[i]
		name := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
		switch {
		case f.IsDir():
			digests[node] = dirDigest(&buf, name, f.Mode, false, children)
		case f.IsSymlink():
			digests[node] = linkDigest(&buf, name, f.LinkTarget)
		case f.IsRegular():
			var sum [32]byte
			if len(f.SHA256) != 64 {
				return "", fmt.Errorf("%w: %q has no valid sha256", ErrInvalidManifest, f.Path)
			}
			if _, err := hex.Decode(sum[:], []byte(f.SHA256)); err != nil {
				return "", fmt.Errorf("%w: %q has no valid sha256", ErrInvalidManifest, f.Path)
			}
			digests[node] = fileDigest(&buf, name, f.Mode, &sum)
		default:
			return "", fmt.Errorf("%w: %q has unsupported type %v", ErrInvalidManifest, f.Path, f.Mode.Type())
		}
	}
	return hex.EncodeToString(digests[0][:]), nil
}

// appendHeader appends kind ‖ 0x00 ‖ name ‖ 0x00 ‖ MODE ‖ 0x00.
func appendHeader(buf []byte, kind, name string, mode fs.FileMode) []byte {
	perm := mode.Perm()
	buf = append(buf, kind...)
	buf = append(buf, 0)
	buf = append(buf, name...)
	buf = append(buf, 0, '0', byte('0'+(perm>>6)&7), byte('0'+(perm>>3)&7), byte('0'+perm&7), 0)
	return buf
}

// fileDigest is the node digest of a regular file; buf is scratch space.
func fileDigest(buf *[]byte, name string, mode fs.FileMode, sum *[32]byte) [32]byte {
	b := appendHeader((*buf)[:0], "file", name, mode)
	b = append(b, sum[:]...)
	*buf = b
	return sha256.Sum256(b)
}

// linkDigest is the node digest of a symlink.
func linkDigest(buf *[]byte, name, target string) [32]byte {
	b := append((*buf)[:0], "symlink\x00"...)
	b = append(b, name...)
	b = append(b, 0)
	b = append(b, target...)
	*buf = b
	return sha256.Sum256(b)
}

// dirDigest is the node digest of a directory (or of the root) from its
// children's digests in name order.
func dirDigest(buf *[]byte, name string, mode fs.FileMode, root bool, children [][32]byte) [32]byte {
	var b []byte
	if root {
		b = append((*buf)[:0], "root\x00"...)
	} else {
		b = appendHeader((*buf)[:0], "dir", name, mode)
	}
	for i := range children {
		b = append(b, children[i][:]...)
	}
	*buf = b
	return sha256.Sum256(b)
}
