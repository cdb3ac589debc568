package conda

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package starts with
// "conda: " and wraps one of these where it makes sense, so callers can
// test for them with errors.Is.
var (
	// ErrInvalidYAML reports input that is not well-formed YAML (or JSON).
	ErrInvalidYAML = errors.New("conda: invalid YAML")
	// ErrUnsupportedYAML reports YAML features that azureml accepts but this
	// package does not reproduce (anchors, aliases, tags, directives, block
	// scalars, complex keys, merge keys).
	ErrUnsupportedYAML = errors.New("conda: unsupported YAML feature")
	// ErrInvalidStructure is azureml's "Environment error: not a valid YAML
	// structure": the document is empty or not a mapping.
	ErrInvalidStructure = errors.New("conda: Environment error: not a valid YAML structure")
	// ErrUnknownKey is wrapped by azureml's "Environment error: unknown <key>
	// key in environment specification".
	ErrUnknownKey = errors.New("conda: unknown key in environment specification")
	// ErrRemovePython is azureml's "python must not be removed from conda
	// dependencies".
	ErrRemovePython = errors.New("conda: python must not be removed from conda dependencies")
	// ErrInvalidPackageName is wrapped when a pip "package" is really an
	// option (it starts with '-').
	ErrInvalidPackageName = errors.New("conda: invalid package name")
	// ErrInvalidPipOption is wrapped when a pip option does not start with '-'.
	ErrInvalidPipOption = errors.New("conda: invalid pip option")
	// ErrNoPython is azureml's "Python package is missing." raised by save().
	ErrNoPython = errors.New("conda: Python package is missing.")
	// ErrInvalidPath is wrapped by Save for directories and missing parents.
	ErrInvalidPath = errors.New("conda: invalid path")
)

// wrappedError carries a full message and a sentinel for errors.Is.
type wrappedError struct {
	msg      string
	sentinel error
}

// Error returns the full message.
func (e *wrappedError) Error() string { return e.msg }

// Unwrap returns the sentinel, for errors.Is.
func (e *wrappedError) Unwrap() error { return e.sentinel }

func newError(sentinel error, format string, args ...any) error {
	return &wrappedError{msg: "conda: " + fmt.Sprintf(format, args...), sentinel: sentinel}
}

// yamlError is raised (via panic) inside the YAML machinery and turned into
// an ordinary error at the package boundary.
type yamlError struct {
	err error
}

func yamlErrorf(format string, args ...any) error {
	return newError(ErrInvalidYAML, "yaml: "+format, args...)
}

func unsupportedf(format string, args ...any) error {
	return newError(ErrUnsupportedYAML, "unsupported YAML: "+format, args...)
}

// fail aborts the current YAML operation with err.
func fail(err error) {
	panic(yamlError{err: err})
}

// failAt aborts with a syntax error at a position.
func failAt(m mark, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fail(yamlErrorf("%s (line %d, column %d)", msg, m.line+1, m.column+1))
}

// catch converts a yamlError panic into *errp. Other panics propagate.
func catch(errp *error) {
	if r := recover(); r != nil {
		if ye, ok := r.(yamlError); ok {
			*errp = ye.err
			return
		}
		panic(r)
	}
}

// ErrMalformed reports a document whose shape makes an operation
// impossible (azureml raises TypeError or AttributeError there), for
// example a "dependencies" value that is not a list.
var ErrMalformed = errors.New("conda: malformed environment specification")

// ErrInvalidPythonVersion is wrapped when a python package passed to
// AddCondaPackage pins no exact version (azureml raises TypeError).
var ErrInvalidPythonVersion = errors.New("conda: invalid python version")
