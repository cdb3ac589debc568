package runconfig

import "errors"

// Sentinel errors. Every error returned by this package starts with "runconfig: " and wraps
// one of these, so callers can test with errors.Is.
var (
	// ErrNotFound: no runconfig file exists for the given path and name.
	ErrNotFound = errors.New("runconfig: not found")
	// ErrNoName: Save was given a project directory but no name.
	ErrNoName = errors.New("runconfig: no name")
	// ErrInvalidPath: a path or name argument cannot be used.
	ErrInvalidPath = errors.New("runconfig: invalid path")
	// ErrConfigDirMissing: neither aml_config/ nor .azureml/ exists in the project directory.
	ErrConfigDirMissing = errors.New("runconfig: config directory missing")
	// ErrReferencedFileMissing: a file named by the runconfig (condaDependenciesFile,
	// environment: <file>) does not exist.
	ErrReferencedFileMissing = errors.New("runconfig: referenced file missing")
	// ErrParse: the file is not valid YAML/JSON or a value has the wrong type.
	ErrParse = errors.New("runconfig: parse error")
	// ErrInvalid is wrapped by every problem reported by Validate.
	ErrInvalid = errors.New("runconfig: invalid configuration")
	// ErrScriptNotFound: the script does not exist inside the source directory.
	ErrScriptNotFound = errors.New("runconfig: script not found")
	// ErrNoTarget: no compute target is set.
	ErrNoTarget = errors.New("runconfig: no target")
)

// rcError carries an exact, azureml-worded message and the sentinels it matches.
type rcError struct {
	msg  string
	errs []error
}

func (e *rcError) Error() string   { return e.msg }
func (e *rcError) Unwrap() []error { return e.errs }

// newError builds an error whose text is "runconfig: " + msg and which wraps errs.
func newError(msg string, errs ...error) error {
	return &rcError{msg: "runconfig: " + msg, errs: errs}
}
