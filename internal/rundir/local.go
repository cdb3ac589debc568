package rundir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/amlgo/amlgo/internal/driver"
)

// ReadExitCode reads a local exit_code file: the code and whether the file exists.
func ReadExitCode(path string) (int, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("compute: reading exit code: %w", err)
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false, fmt.Errorf("compute: malformed exit code file %s: %q", path, b)
	}
	return code, true, nil
}

// WriteFileAtomic writes data to path through a temporary file and a rename, so that a reader
// sees either no file or all of it.
func WriteFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// JoinRunFile joins rel, a slash-separated path inside the local run directory runDir, to it;
// a path that leaves the run directory is an error.
func JoinRunFile(runDir, rel string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("compute: run file %q is outside the run directory", rel)
	}
	return filepath.Join(runDir, clean), nil
}

// CollectLocal hands the script's outputs/ and logs/ and the azureml-logs files of a local run
// directory to put, each under its artifact name ("outputs/model.pkl",
// "azureml-logs/70_driver_log.txt"). Links and special files are not collected.
func CollectLocal(ctx context.Context, paths driver.Paths, put func(name string, r io.Reader) error) error {
	roots := []struct{ dir, prefix string }{
		{paths.OutputsDir, "outputs"},
		{paths.LogsDir, "logs"},
		{paths.AzureLogs, "azureml-logs"},
	}
	for _, root := range roots {
		err := filepath.WalkDir(root.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !d.Type().IsRegular() {
				return nil // directories are walked; links and special files are not collected
			}
			rel, err := filepath.Rel(root.dir, p)
			if err != nil {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return put(root.prefix+"/"+filepath.ToSlash(rel), f)
		})
		if err != nil {
			return fmt.Errorf("compute: collecting %s: %w", root.prefix, err)
		}
	}
	return nil
}
