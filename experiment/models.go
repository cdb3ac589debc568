package experiment

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// modelNameRule is azureml's model name rule: letters, digits, '-', '_' and '.', up to 255.
var modelNameRule = regexp.MustCompile(`^[a-zA-Z0-9][\w\-.]{0,254}$`)

// Model is a registered model: a versioned set of files taken from a run's artifacts.
type Model struct {
	// Name and Version identify the model; versions count from 1 per name.
	Name    string
	Version int
	// RunID is the run the files came from; Path is the artifact path they were registered from.
	RunID, Path string
	// Description, Framework and FrameworkVersion are free text.
	Description, Framework, FrameworkVersion string
	// Tags and Properties are the model's metadata.
	Tags, Properties map[string]string
	// Files are the model's file names, relative to the model's root.
	Files []string
	// CreatedAt is when the model was registered.
	CreatedAt time.Time

	st    *store.Store
	files []store.Artifact
}

// ID returns azureml's model id, "<name>:<version>".
func (m *Model) ID() string { return fmt.Sprintf("%s:%d", m.Name, m.Version) }

// RegisterModelOptions are the options of Run.RegisterModel.
type RegisterModelOptions struct {
	// ModelPath is the artifact path of the model in the run: a file ("outputs/model.pkl") or a
	// directory ("outputs/model"). Required.
	ModelPath string
	// Tags, Properties and Description describe the model.
	Tags, Properties map[string]string
	Description      string
	// ModelFramework and ModelFrameworkVersion name the framework (e.g. "ScikitLearn", "1.2.1").
	ModelFramework, ModelFrameworkVersion string
}

// RegisterModel registers the run's files under ModelPath as a new version of the model called
// name in the workspace. The run's outputs are collected when it ends, so register after
// WaitForCompletion.
func (r *Run) RegisterModel(ctx context.Context, name string, opts *RegisterModelOptions) (*Model, error) {
	var o RegisterModelOptions
	if opts != nil {
		o = *opts
	}
	if !modelNameRule.MatchString(name) {
		return nil, fmt.Errorf("experiment: invalid model name %q: it must be 1 to 255 characters long, start with a letter or a digit, and contain only letters, digits, '-', '_' and '.'", name)
	}
	p := strings.Trim(o.ModelPath, "/")
	if p == "" {
		return nil, errors.New("experiment: RegisterModelOptions.ModelPath is required (e.g. \"outputs/model.pkl\")")
	}
	arts, err := r.st.Artifacts(ctx, r.id)
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	var files []store.Artifact
	for _, a := range arts {
		switch {
		case a.Name == p:
			a.Name = path.Base(p)
		case strings.HasPrefix(a.Name, p+"/"):
			a.Name = strings.TrimPrefix(a.Name, p+"/")
		default:
			continue
		}
		files = append(files, a)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: run %s has no file or directory %q to register as model %s (its files: %s)", ErrNotFound, r.id, p, name, artifactNames(arts))
	}
	m, err := r.st.RegisterModel(ctx, store.Model{
		Name: name, RunID: r.id, Path: p, Description: o.Description,
		Framework: o.ModelFramework, FrameworkVersion: o.ModelFrameworkVersion,
		Tags: o.Tags, Properties: o.Properties, Files: files,
	})
	if err != nil {
		return nil, errorf("experiment: registering model %s: %w", name, err)
	}
	return newModel(r.st, m), nil
}

func artifactNames(arts []store.Artifact) string {
	if len(arts) == 0 {
		return "none"
	}
	names := make([]string, len(arts))
	for i, a := range arts {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

func newModel(st *store.Store, m store.Model) *Model {
	out := &Model{Name: m.Name, Version: m.Version, RunID: m.RunID, Path: m.Path,
		Description: m.Description, Framework: m.Framework, FrameworkVersion: m.FrameworkVersion,
		Tags: m.Tags, Properties: m.Properties, CreatedAt: m.CreatedAt, st: st, files: m.Files}
	for _, f := range m.Files {
		out.Files = append(out.Files, f.Name)
	}
	return out
}

// Models lists the workspace's registered models, newest first; name "" lists every model.
func Models(ctx context.Context, ws *workspace.Workspace, name string) iter.Seq2[*Model, error] {
	return func(yield func(*Model, error) bool) {
		st, err := wsaccess.Store(ws)
		if err != nil {
			yield(nil, errorf("experiment: %w", err))
			return
		}
		for m, err := range st.Models(ctx, name) {
			if err != nil {
				yield(nil, errorf("experiment: listing models: %w", err))
				return
			}
			if !yield(newModel(st, m), nil) {
				return
			}
		}
	}
}

// GetModel returns a registered model; version 0 means the latest.
func GetModel(ctx context.Context, ws *workspace.Workspace, name string, version int) (*Model, error) {
	st, err := wsaccess.Store(ws)
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	m, err := st.Model(ctx, name, version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: model %s version %d", ErrNotFound, name, version)
	}
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	return newModel(st, m), nil
}

// Download writes the model's files under dir and returns their paths.
func (m *Model) Download(ctx context.Context, dir string) ([]string, error) {
	var out []string
	for _, f := range m.files {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if !filepath.IsLocal(filepath.FromSlash(f.Name)) {
			return out, fmt.Errorf("experiment: model file %q has an unsafe name", f.Name)
		}
		dest := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := writeBlob(m.st, f.SHA256, dest); err != nil {
			return out, err
		}
		out = append(out, dest)
	}
	return out, nil
}
