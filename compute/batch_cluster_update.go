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
// nothing. BeginUpdate is the non-blocking form.
func (c *BatchCluster) Update(ctx context.Context, opts *UpdateOptions) error {
	if opts.empty() {
		return nil
	}
	p, err := c.BeginUpdate(ctx, opts, nil)
	if err != nil {
		return err
	}
	if _, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: provisioningPollInterval}); err != nil {
		return fmt.Errorf("compute: updating %q: %w", c.name, err)
	}
	return nil
}

// BeginUpdate starts changing the cluster's scale settings, as Update does, and returns the
// operation's poller (see BeginOptions): its result is the cluster's name and status once the
// service has applied them. upd must change at least one setting. With opts.ResumeToken it
// continues an update started earlier; upd is then ignored.
func (c *BatchCluster) BeginUpdate(ctx context.Context, upd *UpdateOptions, opts *BeginOptions) (*runtime.Poller[BatchClusterResult], error) {
	if opts.resuming() {
		return resume[BatchClusterResult](c.az, opts, "cluster update")
	}
	if upd.empty() {
		return nil, fmt.Errorf("compute: updating %q: UpdateOptions change no scale setting", c.name)
	}
	st, err := c.ClusterStatus(ctx)
	if err != nil {
		return nil, err
	}
	s := st.ScaleSettings
	if upd.MinNodes != nil {
		s.MinNodes = *upd.MinNodes
	}
	if upd.MaxNodes != nil {
		s.MaxNodes = *upd.MaxNodes
	}
	if upd.IdleSecondsBeforeScaledown != nil {
		s.IdleSecondsBeforeScaledown = *upd.IdleSecondsBeforeScaledown
	}
	if s.MinNodes < 0 || s.MaxNodes < s.MinNodes {
		return nil, fmt.Errorf("%w: Invalid provisioning configuration, max nodes count must be greater than or equal to min nodes count", ErrInvalidProvisioningConfig)
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
		return nil, fmt.Errorf("compute: updating %q: %w", c.name, err)
	}
	return p, nil
}

// empty reports whether o changes nothing.
func (o *UpdateOptions) empty() bool {
	return o == nil || (o.MinNodes == nil && o.MaxNodes == nil && o.IdleSecondsBeforeScaledown == nil)
}
