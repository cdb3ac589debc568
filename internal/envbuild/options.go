package envbuild

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/amlgo/amlgo/conda"
)

// Spec is the part of a run configuration that decides how the run's Python
// environment is obtained. It mirrors environment.python.* and
// environment.docker.enabled of a RunConfiguration.
type Spec struct {
	// UserManaged is environment.python.userManagedDependencies: use
	// InterpreterPath as-is instead of building a conda environment.
	UserManaged bool
	// InterpreterPath is environment.python.interpreterPath ("" => "python").
	// A bare name is looked up on PATH; "python" falls back to "python3".
	InterpreterPath string
	// Conda is the conda specification of a system-managed environment
	// (nil => conda.New(), azureml's default dependencies).
	Conda *conda.Dependencies
	// DockerEnabled is environment.docker.enabled or docker.useDocker.
	// Docker is not supported on the local target: Prepare fails with
	// ErrDockerUnsupported.
	DockerEnabled bool
	// BaseCondaEnvironment is environment.python.baseCondaEnvironment.
	// Local builds always start from scratch; a non-empty value is noted in
	// the control log and otherwise ignored.
	BaseCondaEnvironment string
}

// Options tunes Prepare. A nil *Options uses the defaults.
type Options struct {
	// CacheDir holds the conda environments (azureml_<hash>) and their lock
	// files. Default: os.UserCacheDir()/amlgo/envs.
	CacheDir string
	// ControlLog receives human-readable progress lines and the conda tool's
	// output (the run's azureml-logs/60_control_log.txt). Nil discards.
	ControlLog io.Writer
	// Logger receives structured debug events. Nil discards.
	Logger *slog.Logger
	// LookPath finds executables (interpreters and conda tools).
	// Default: exec.LookPath.
	LookPath func(string) (string, error)
}

// Prepared describes a ready-to-use Python environment.
type Prepared struct {
	// Python is the absolute path of the interpreter to run the script with.
	Python string
	// Env holds extra KEY=VALUE entries to add to the run's environment
	// (PATH with the env's bin first, CONDA_PREFIX, CONDA_DEFAULT_ENV);
	// empty for user-managed environments.
	Env []string
	// EnvName is "azureml_<hash>" for conda environments, "" otherwise.
	EnvName string
	// Prefix is the conda environment's directory, "" for user-managed ones.
	Prefix string
	// Reused reports that an existing conda environment was reused rather
	// than built by this call.
	Reused bool
}

// settings is Options with defaults applied.
type settings struct {
	cacheDir   string
	controlLog io.Writer
	logger     *slog.Logger
	lookPath   func(string) (string, error)
}

func resolveOptions(opts *Options) settings {
	var s settings
	if opts != nil {
		s = settings{cacheDir: opts.CacheDir, controlLog: opts.ControlLog, logger: opts.Logger, lookPath: opts.LookPath}
	}
	if s.controlLog == nil {
		s.controlLog = io.Discard
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.lookPath == nil {
		s.lookPath = exec.LookPath
	}
	return s
}

// defaultCacheDir is os.UserCacheDir()/amlgo/envs.
func defaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "amlgo", "envs"), nil
}
