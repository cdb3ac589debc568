package envbuild

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/amlgo/amlgo/conda"
)

const (
	// envNamePrefix + conda hash is the environment's name, as in azureml.
	envNamePrefix = "azureml_"
	// readyMarkerName is written into the prefix last, once the build has
	// succeeded; it holds the serialized conda specification.
	readyMarkerName = ".amlgo-ready"
	// toolWaitDelay bounds how long Wait lingers on the tool's output pipes
	// after the tool was killed (grandchildren may keep them open).
	toolWaitDelay = 5 * time.Second
)

// condaEnv names one system-managed environment.
type condaEnv struct {
	name     string // azureml_<hash>
	cacheDir string
	prefix   string // <cacheDir>/<name>
}

func (e condaEnv) python() string      { return filepath.Join(e.prefix, "bin", "python") }
func (e condaEnv) readyMarker() string { return filepath.Join(e.prefix, readyMarkerName) }
func (e condaEnv) lockFile() string    { return e.prefix + ".lock" }

// ready reports whether a completed build of the environment exists.
func (e condaEnv) ready() bool {
	fi, err := os.Stat(e.readyMarker())
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	_, err = os.Stat(e.python())
	return err == nil
}

// prepared describes the environment to the caller.
func (e condaEnv) prepared(reused bool) *Prepared {
	bin := filepath.Join(e.prefix, "bin")
	path := bin
	if cur := os.Getenv("PATH"); cur != "" {
		path = bin + string(os.PathListSeparator) + cur
	}
	return &Prepared{
		Python:  e.python(),
		Env:     []string{"PATH=" + path, "CONDA_PREFIX=" + e.prefix, "CONDA_DEFAULT_ENV=" + e.name},
		EnvName: e.name,
		Prefix:  e.prefix,
		Reused:  reused,
	}
}

// prepareConda returns the system-managed environment for spec, building it
// under the environment's file lock unless a completed build exists.
func prepareConda(ctx context.Context, spec Spec, s settings) (*Prepared, error) {
	deps := spec.Conda
	if deps == nil {
		deps = conda.New()
	}
	cacheDir := s.cacheDir
	if cacheDir == "" {
		d, err := defaultCacheDir()
		if err != nil {
			return nil, fmt.Errorf("envbuild: no cache directory for conda environments (set Options.CacheDir): %w", err)
		}
		cacheDir = d
	}
	cacheDir, err := filepath.Abs(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("envbuild: cache directory: %w", err)
	}
	name := envNamePrefix + deps.Hash()
	env := condaEnv{name: name, cacheDir: cacheDir, prefix: filepath.Join(cacheDir, name)}
	log := s.logger.With("env", env.name, "prefix", env.prefix)

	if spec.BaseCondaEnvironment != "" {
		fmt.Fprintf(s.controlLog, "environment.python.baseCondaEnvironment %q is not used on the local target; %s is built from its own specification\n",
			spec.BaseCondaEnvironment, env.name)
	}
	if env.ready() {
		return reuse(ctx, env, s, log), nil
	}
	tool, ok := findCondaTool(s.lookPath)
	if !ok {
		log.DebugContext(ctx, "envbuild: no conda tool found")
		return nil, ErrNoConda
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("envbuild: create cache directory: %w", err)
	}

	lock, err := acquireFileLock(ctx, env.lockFile(), func() {
		fmt.Fprintf(s.controlLog, "Waiting for another run to finish building conda environment %s\n", env.name)
		log.DebugContext(ctx, "envbuild: waiting for build lock", "lock", env.lockFile())
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := lock.release(); err != nil {
			log.DebugContext(ctx, "envbuild: releasing build lock", "error", err)
		}
	}()
	if env.ready() { // built by whoever held the lock before us
		return reuse(ctx, env, s, log), nil
	}
	if err := build(ctx, env, deps, tool, s, log); err != nil {
		return nil, err
	}
	return env.prepared(false), nil
}

// reuse reports an already built environment.
func reuse(ctx context.Context, env condaEnv, s settings, log *slog.Logger) *Prepared {
	fmt.Fprintf(s.controlLog, "Reusing conda environment %s at %s\n", env.name, env.prefix)
	log.DebugContext(ctx, "envbuild: reusing environment")
	return env.prepared(true)
}
