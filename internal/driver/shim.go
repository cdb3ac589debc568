package driver

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

//go:embed shim/azureml/*.py shim/azureml/core/*.py
var shimFiles embed.FS

// ShimFS is the Python run-context shim: the package tree "azureml/..." that goes on
// PYTHONPATH (for remote targets that copy files themselves; local code uses InstallShim).
var ShimFS fs.FS = mustSub(shimFiles, "shim")

// ShimVersion identifies the shim's content ("amlgo-shim-" + 12 hex digits of a hash of every
// file); InstallShim writes it to <dir>/AMLGO_SHIM_VERSION so hosts can skip reinstalling.
var ShimVersion = shimVersion()

// ShimVersionFile is the name of the version marker InstallShim writes in its directory.
const ShimVersionFile = "AMLGO_SHIM_VERSION"

// InstallShim writes the shim under dir (created if needed) so that PYTHONPATH=dir makes
// `import azureml.core` work. A previous dir/azureml tree is replaced; dir should belong to one
// run (e.g. Paths.ShimDir) or not be in use.
func InstallShim(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("driver: install shim: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "azureml")); err != nil {
		return fmt.Errorf("driver: install shim: %w", err)
	}
	err := fs.WalkDir(ShimFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(ShimFS, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err == nil {
		err = writeFileAtomic(filepath.Join(dir, ShimVersionFile), []byte(ShimVersion+"\n"), 0o644)
	}
	if err != nil {
		return fmt.Errorf("driver: install shim: %w", err)
	}
	return nil
}

func shimVersion() string {
	var names []string
	_ = fs.WalkDir(ShimFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		data, _ := fs.ReadFile(ShimFS, n)
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(data))
		h.Write(data)
	}
	return "amlgo-shim-" + hex.EncodeToString(h.Sum(nil))[:12]
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
