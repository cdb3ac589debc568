package compute

import "context"

// dsvmAzure is the Azure side of a DSVM on an Azure workspace: its ARM resource.
type dsvmAzure struct{}

// attachRemoteARM attaches an existing VM to an Azure workspace through ARM.
func attachRemoteARM(ctx context.Context, d *DSVM) error {
	return ErrUnsupported
}
