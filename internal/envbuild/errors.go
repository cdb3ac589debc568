package envbuild

import "errors"

// ErrNoConda is returned when a system-managed environment is requested but
// none of micromamba, mamba or conda can be found on the host.
var ErrNoConda = errors.New("envbuild: no conda tool found (looked for micromamba, mamba and conda on PATH and in $MAMBA_EXE/$CONDA_EXE); " +
	"install Miniconda, Mambaforge or micromamba, or set environment.python.userManagedDependencies: true " +
	"with environment.python.interpreterPath pointing at an existing interpreter")

// ErrDockerUnsupported is returned when a docker-enabled environment is given
// to Prepare: its image is made by internal/dockerexec, not here.
var ErrDockerUnsupported = errors.New("envbuild: a docker-enabled environment is not prepared on the host; " +
	"its image is made on the Docker engine (internal/dockerexec)")

// ErrInterpreterNotFound is returned (wrapped, with the path) when the
// interpreter of a user-managed environment cannot be found.
var ErrInterpreterNotFound = errors.New("envbuild: python interpreter not found")

// ErrBuildFailed is matched by the errors of a conda build that ran and failed (the tool's
// exit status, or an environment without python): the specification's problem, not the
// host's.
var ErrBuildFailed = errors.New("envbuild: building the conda environment failed")

// buildError is a failed build's error: it matches ErrBuildFailed and its cause.
type buildError struct {
	msg   string
	cause error
}

func (e *buildError) Error() string   { return e.msg }
func (e *buildError) Unwrap() []error { return []error{ErrBuildFailed, e.cause} }
