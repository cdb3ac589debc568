package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// reincludes reports whether m has a "!" pattern.
func (m *IgnoreMatcher) reincludes() bool {
	if m == nil {
		return false
	}
	for _, p := range m.patterns {
		if !p.include {
			return true
		}
	}
	return false
}

// shadowDir accounts for azureml-core's size check below an ignored entry of a directory
// being read. azureml checks the size with os.walk over the whole tree, testing each file's
// own path against the patterns, while the snapshot itself never enters an ignored
// directory. So a file below an ignored directory that a later "!" pattern re-includes
// (".amlignore: *" then "!*.py", and venv/lib/x.py) counts against the size limit although
// it is not in the snapshot. Only when the ignore file has "!" patterns can such a file
// exist; then the ignored directory is walked here, stat only: nothing is read, hashed or
// recorded. Symlinks are not followed (os.walk does not descend them either) and count
// nothing, as amlgo stores a symlink as a link.
func (w *walker) shadowDir(h dirHandle, name []byte, rel string, sc *dirScratch, res *walkResult) error {
	st, err := h.lstat(name, sc)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("snapshot: %w", err)
	}
	if !st.mode.IsDir() {
		return nil
	}
	return w.shadowWalk(strings.Clone(rel), res)
}

func (w *walker) shadowWalk(rel string, res *walkResult) error {
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	entries, err := os.ReadDir(w.abs(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("snapshot: %w", err)
	}
	for _, e := range entries {
		sub := rel + "/" + e.Name()
		switch {
		case e.IsDir():
			if err := w.shadowWalk(sub, res); err != nil {
				return err
			}
		case e.Type().IsRegular() && !w.matcher.Match(sub):
			fi, err := os.Lstat(filepath.Join(w.root, filepath.FromSlash(sub)))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return fmt.Errorf("snapshot: %w", err)
			}
			res.shadowBytes += fi.Size()
		}
	}
	return nil
}
