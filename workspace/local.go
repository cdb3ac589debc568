package workspace

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"

	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/store"
)

// runsDirName is the directory of run directories inside a local workspace.
const runsDirName = "runs"

// OpenOptions configures Open. nil selects the defaults.
type OpenOptions struct {
	// Name is the workspace name (AZUREML_ARM_WORKSPACE_NAME of its runs).
	// "" means the base name of the directory.
	Name string

	// Logger receives structured debug records; nil discards them.
	Logger *slog.Logger
}

// Workspace is a handle on a workspace. Its methods are safe for
// concurrent use.
type Workspace struct {
	name   string
	dir    string
	log    *slog.Logger
	store  *store.Store
	mu     sync.Mutex
	closed bool

	azure *azureWorkspace // set for Azure workspaces (azure.go)
}

// Open opens the local workspace stored in dir, creating dir (mode 0700),
// its database and its runs directory when they do not exist. The caller
// must Close the workspace.
func Open(dir string, opts *OpenOptions) (*Workspace, error) {
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		return nil, errors.New("workspace: empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	name := o.Name
	if name == "" {
		name = filepath.Base(abs)
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	st, err := store.Open(abs, &store.Options{Logger: o.Logger})
	if err != nil {
		return nil, errtext.Public(fmt.Errorf("workspace: open %s: %w", abs, err))
	}
	if err := mkdirPrivate(filepath.Join(abs, runsDirName)); err != nil {
		st.Close()
		return nil, err
	}
	o.Logger.Debug("workspace: opened local workspace", "name", name, "dir", abs)
	return &Workspace{name: name, dir: abs, log: o.Logger, store: st}, nil
}

// checkName rejects names that cannot be shown or passed in an environment
// variable.
func checkName(name string) error {
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) }) ||
		name == "." || name == string(filepath.Separator) {
		return fmt.Errorf("workspace: invalid workspace name %q", name)
	}
	return nil
}

// mkdirPrivate creates dir with mode 0700 (whatever the umask) unless it exists.
func mkdirPrivate(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if errors.Is(err, os.ErrExist) {
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			return nil
		}
		return fmt.Errorf("workspace: %s exists and is not a directory", dir)
	}
	if err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	return nil
}

// Name returns the workspace name.
func (w *Workspace) Name() string { return w.name }

// Dir returns the absolute path of the workspace directory.
func (w *Workspace) Dir() string { return w.dir }

// RunsDir returns the directory holding the run directories of local runs
// (<Dir>/runs).
func (w *Workspace) RunsDir() string { return filepath.Join(w.dir, runsDirName) }

// Local reports whether the workspace is an embedded local one (from Open).
func (w *Workspace) Local() bool { return w.store != nil && w.azure == nil }

// String describes the workspace (never with secrets).
func (w *Workspace) String() string {
	if w == nil {
		return "Workspace(nil)"
	}
	if w.azure != nil {
		return w.azure.String()
	}
	return fmt.Sprintf("Workspace.local(name=%q, dir=%q)", w.name, w.dir)
}

// Close releases the workspace. Calling Close more than once is harmless.
func (w *Workspace) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.store != nil {
		if err := w.store.Close(); err != nil {
			return fmt.Errorf("workspace: %w", err)
		}
	}
	return nil
}
