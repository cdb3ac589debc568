package envbuild

import (
	"context"
	"fmt"
	"path/filepath"
)

// defaultInterpreter is azureml's default environment.python.interpreterPath.
const defaultInterpreter = "python"

// prepareUserManaged resolves the interpreter of a user-managed environment.
// "python" falls back to "python3" (many hosts only ship the latter), and the
// substitution is written to the control log.
func prepareUserManaged(ctx context.Context, spec Spec, s settings) (*Prepared, error) {
	name := spec.InterpreterPath
	if name == "" {
		name = defaultInterpreter
	}
	path, err := s.lookPath(name)
	if err != nil && name == defaultInterpreter {
		if alt, altErr := s.lookPath("python3"); altErr == nil {
			fmt.Fprintf(s.controlLog, "interpreterPath %q was not found on PATH; using python3 (%s) instead\n", name, alt)
			s.logger.DebugContext(ctx, "envbuild: interpreter fallback", "requested", name, "using", alt)
			path, err = alt, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %q (environment.python.interpreterPath with userManagedDependencies: true): %w",
			ErrInterpreterNotFound, name, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("envbuild: interpreter %q (environment.python.interpreterPath): %w", name, err)
	}
	fmt.Fprintf(s.controlLog, "Using user-managed python environment: %s\n", abs)
	s.logger.DebugContext(ctx, "envbuild: user-managed interpreter", "interpreter_path", name, "python", abs)
	return &Prepared{Python: abs}, nil
}
