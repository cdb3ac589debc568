package envbuild

import (
	"context"
	"fmt"
)

// Prepare makes the Python environment described by spec runnable on the
// local host and returns how to run it.
//
// Docker-enabled specs fail with ErrDockerUnsupported. User-managed specs
// resolve InterpreterPath on PATH. System-managed specs get the conda
// environment azureml_<spec.Conda.Hash()> under the cache directory, built
// on first use (serialized across goroutines and processes by a file lock)
// and reused afterwards. Cancelling ctx stops a wait for the lock or a
// running build; a cancelled or failed build leaves no environment behind.
func Prepare(ctx context.Context, spec Spec, opts *Options) (*Prepared, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("envbuild: %w", err)
	}
	s := resolveOptions(opts)
	if spec.DockerEnabled {
		s.logger.DebugContext(ctx, "envbuild: docker requested", "docker_enabled", true)
		return nil, ErrDockerUnsupported
	}
	if spec.UserManaged {
		return prepareUserManaged(ctx, spec, s)
	}
	return prepareConda(ctx, spec, s)
}
