package compute

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/arm"
)

// UpdateOptions are the new scale settings of Update; nil fields keep the current values.
type UpdateOptions struct {
	MinNodes, MaxNodes         *int
	IdleSecondsBeforeScaledown *int
}

// Update changes the cluster's scale settings, as azureml-core's AmlCompute.update, and waits
// for the service to apply them. Fields left nil keep their current value; nil opts changes
// nothing.
func (c *BatchCluster) Update(ctx context.Context, opts *UpdateOptions) error {
	if opts == nil || (opts.MinNodes == nil && opts.MaxNodes == nil && opts.IdleSecondsBeforeScaledown == nil) {
		return nil
	}
	st, err := c.ClusterStatus(ctx)
	if err != nil {
		return err
	}
	s := st.ScaleSettings
	if opts.MinNodes != nil {
		s.MinNodes = *opts.MinNodes
	}
	if opts.MaxNodes != nil {
		s.MaxNodes = *opts.MaxNodes
	}
	if opts.IdleSecondsBeforeScaledown != nil {
		s.IdleSecondsBeforeScaledown = *opts.IdleSecondsBeforeScaledown
	}
	if s.MinNodes < 0 || s.MaxNodes < s.MinNodes {
		return fmt.Errorf("%w: Invalid provisioning configuration, max nodes count must be greater than or equal to min nodes count", ErrInvalidProvisioningConfig)
	}
	ss := &armmachinelearning.ScaleSettings{MaxNodeCount: to.Ptr(int32(s.MaxNodes)), MinNodeCount: to.Ptr(int32(s.MinNodes))}
	if s.IdleSecondsBeforeScaledown > 0 {
		ss.NodeIdleTimeBeforeScaleDown = to.Ptr(isoSeconds(s.IdleSecondsBeforeScaledown))
	}
	body := armmachinelearning.ClusterUpdateParameters{Properties: &armmachinelearning.ClusterUpdateProperties{
		Properties: &armmachinelearning.ScaleSettingsInformation{ScaleSettings: ss}}}
	p, err := arm.Begin[BatchClusterResult](ctx, c.az.Clients, func(ctx context.Context) error {
		_, err := c.az.Clients.Computes.BeginUpdate(ctx, c.az.ResourceGroup, c.az.Name, c.name, body, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("compute: updating %q: %w", c.name, err)
	}
	if _, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: provisioningPollInterval}); err != nil {
		return fmt.Errorf("compute: updating %q: %w", c.name, err)
	}
	return nil
}
