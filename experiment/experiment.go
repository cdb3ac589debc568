package experiment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"regexp"

	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// nameRule is azureml-core's experiment name rule: 1–255 characters, letters, digits, '_' and
// '-', not starting with '_' or '-'.
var nameRule = regexp.MustCompile(`^[a-zA-Z0-9][\w\-]{0,254}$`)

// Experiment is a named group of runs in a workspace.
type Experiment struct {
	ws   *workspace.Workspace
	st   *store.Store
	name string
}

// New returns the experiment called name in ws, creating it in the workspace's history if it
// does not exist yet. The name must match ^[a-zA-Z0-9][\w\-]{0,254}$, as in azureml-core.
func New(ws *workspace.Workspace, name string) (*Experiment, error) {
	if !nameRule.MatchString(name) {
		return nil, fmt.Errorf("%w %q: it must be 1 to 255 characters long, start with a letter or a digit, and contain only letters, digits, '_' and '-'", ErrInvalidName, name)
	}
	st, err := wsaccess.Store(ws)
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	if _, err := st.EnsureExperiment(context.Background(), name); err != nil {
		return nil, errorf("experiment: creating %q: %w", name, err)
	}
	return &Experiment{ws: ws, st: st, name: name}, nil
}

// Name returns the experiment's name.
func (e *Experiment) Name() string { return e.name }

// Workspace returns the experiment's workspace.
func (e *Experiment) Workspace() *workspace.Workspace { return e.ws }

// ListRunsOptions filter Experiment.Runs. The zero value lists every top-level run.
type ListRunsOptions struct {
	// Statuses keeps runs in one of these statuses.
	Statuses []Status
	// Tags keeps runs that have every tag; an empty value only requires the key.
	Tags map[string]string
	// IncludeChildren lists child runs too.
	IncludeChildren bool
}

// Runs lists the experiment's runs, newest first.
func (e *Experiment) Runs(ctx context.Context, opts *ListRunsOptions) iter.Seq2[*Run, error] {
	var o ListRunsOptions
	if opts != nil {
		o = *opts
	}
	f := store.RunFilter{Experiment: e.name, Tags: o.Tags, TopLevel: !o.IncludeChildren}
	for _, s := range o.Statuses {
		f.Statuses = append(f.Statuses, string(s))
	}
	return func(yield func(*Run, error) bool) {
		for rec, err := range e.st.Runs(ctx, f) {
			if err != nil {
				yield(nil, errorf("experiment: listing runs: %w", err))
				return
			}
			if !yield(newRun(e.ws, e.st, rec), nil) {
				return
			}
		}
	}
}

// GetRun returns the run with id from ws, from any experiment.
func GetRun(ctx context.Context, ws *workspace.Workspace, id string) (*Run, error) {
	st, err := wsaccess.Store(ws)
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	rec, err := st.GetRun(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: run %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, errorf("experiment: %w", err)
	}
	return newRun(ws, st, rec), nil
}

// newRunID returns <experiment>_<unix seconds>_<8 hex>, azureml-core's script run id.
func newRunID(experiment string, unix int64) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s_%d_%s", experiment, unix, hex.EncodeToString(b[:]))
}

func discardLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
