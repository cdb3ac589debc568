package compute

import (
	"context"
	"fmt"
	"io"

	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/remotehost"
)

// prepareRemoteEnv makes the job's Python environment runnable on the VM (remotehost.PrepareEnv),
// writing progress to control. root is amlgo's directory on the VM.
func (d *DSVM) prepareRemoteEnv(ctx context.Context, root string, spec envbuild.Spec, control io.Writer) (*remotehost.Prepared, error) {
	if spec.DockerEnabled {
		return nil, fmt.Errorf("compute: VM target %q: a docker-enabled environment is prepared on the VM's Docker engine, not natively: %w", d.name, ErrUnsupported)
	}
	return d.remote.PrepareEnv(ctx, root, spec, control)
}
