package experiment

import (
	"context"
	"fmt"
	"github.com/amlgo/amlgo/internal/store"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// FileNames returns the names of the run's files (artifacts), sorted: its outputs/ and logs/,
// the azureml-logs files and the files the script uploaded. Outputs are collected when the run
// ends.
func (r *Run) FileNames(ctx context.Context) ([]string, error) {
	arts, err := r.st.Artifacts(ctx, r.id)
	if err != nil {
		return nil, errorf("experiment: listing files of run %s: %w", r.id, err)
	}
	names := make([]string, len(arts))
	for i, a := range arts {
		names[i] = a.Name
	}
	return names, nil
}

// DownloadFile writes the run's file called name to dest. When dest is an existing directory
// the file keeps its base name inside it; an empty dest means the base name in the current
// directory.
func (r *Run) DownloadFile(ctx context.Context, name, dest string) error {
	if dest == "" {
		dest = path.Base(name)
	} else if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		dest = filepath.Join(dest, path.Base(name))
	}
	return r.downloadTo(ctx, name, dest)
}

// DownloadFilesOptions are the options of Run.DownloadFiles.
type DownloadFilesOptions struct {
	// Prefix selects the files whose names start with it ("" = all).
	Prefix string
	// OutputDirectory is where the files go ("" = the current directory).
	OutputDirectory string
	// TrimPrefix drops Prefix from the written paths (azureml's append_prefix=False).
	TrimPrefix bool
}

// DownloadFiles writes the run's files under OutputDirectory, keeping their relative paths,
// and returns the paths written.
func (r *Run) DownloadFiles(ctx context.Context, opts *DownloadFilesOptions) ([]string, error) {
	var o DownloadFilesOptions
	if opts != nil {
		o = *opts
	}
	names, err := r.FileNames(ctx)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, n := range names {
		if !strings.HasPrefix(n, o.Prefix) {
			continue
		}
		rel := n
		if o.TrimPrefix {
			rel = strings.TrimPrefix(strings.TrimPrefix(n, o.Prefix), "/")
		}
		dest := filepath.Join(o.OutputDirectory, filepath.FromSlash(rel))
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			return written, fmt.Errorf("experiment: run file %q has an unsafe name", n)
		}
		if err := r.downloadTo(ctx, n, dest); err != nil {
			return written, err
		}
		written = append(written, dest)
	}
	return written, nil
}

// downloadTo writes artifact name to the file dest.
func (r *Run) downloadTo(ctx context.Context, name, dest string) error {
	arts, err := r.st.Artifacts(ctx, r.id)
	if err != nil {
		return errorf("experiment: %w", err)
	}
	for _, a := range arts {
		if a.Name == name {
			return writeBlob(r.st, a.SHA256, dest)
		}
	}
	return fmt.Errorf("%w: run %s has no file %q", ErrNotFound, r.id, name)
}

// writeBlob writes a stored blob to the file dest (mode 0644), through a temporary file in its
// directory, creating the directory.
func writeBlob(st *store.Store, sha, dest string) error {
	src, err := st.OpenBlob(sha)
	if err != nil {
		return errorf("experiment: %w", err)
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return errorf("experiment: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".download-*")
	if err != nil {
		return errorf("experiment: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.ReadFrom(src); err != nil {
		tmp.Close()
		return errorf("experiment: writing %s: %w", dest, err)
	}
	if err := tmp.Close(); err != nil {
		return errorf("experiment: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return errorf("experiment: %w", err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return errorf("experiment: %w", err)
	}
	return nil
}

// UploadFile stores the file at localPath as the run's file called name (azureml's
// Run.upload_file), replacing a file of that name. name is slash-separated and relative, e.g.
// "outputs/model.pkl" or "azureml-logs/hyperdrive.txt".
func (r *Run) UploadFile(ctx context.Context, name, localPath string) error {
	if name == "" || path.IsAbs(name) || !filepath.IsLocal(filepath.FromSlash(name)) {
		return fmt.Errorf("experiment: run %s: file name %q must be a relative path inside the run", r.id, name)
	}
	sha, size, err := r.st.PutBlobFile(ctx, localPath)
	if err != nil {
		return errorf("experiment: uploading %s to run %s: %w", localPath, r.id, err)
	}
	if err := r.st.AddArtifacts(ctx, r.id, []store.Artifact{{RunID: r.id, Name: path.Clean(name), SHA256: sha, Size: size}}); err != nil {
		return errorf("experiment: uploading %s to run %s: %w", name, r.id, err)
	}
	return nil
}
