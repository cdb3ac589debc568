package compute

import (
	"context"
	"fmt"
	"io"
	"time"
)

// WaitForCompletion waits for the cluster's provisioning, as azureml-core's
// AmlCompute.wait_for_completion: it first follows a pending creation (printing the operation
// state, a dot per poll, and `Provisioning operation finished, operation "<state>"`), then
// polls the cluster every 5 s until it has opts.MinNodeCount nodes (0 = the cluster's minimum),
// reaches a terminal state, reports errors, or opts.Timeout (default 25 minutes) passes —
// writing azureml's progress lines to opts.ShowOutput.
//
// A failed provisioning returns a *ProvisioningError carrying the service's errors; a timeout
// returns an error wrapping ErrWaitTimeout. Cancelling ctx stops waiting only.
func (c *BatchCluster) WaitForCompletion(ctx context.Context, opts *WaitOptions) error {
	var o WaitOptions
	if opts != nil {
		o = *opts
	}
	out := o.ShowOutput
	if out == nil {
		out = io.Discard
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = defaultWaitTimeout
	}
	c.mu.Lock()
	op := c.op
	c.mu.Unlock()
	if op != nil {
		state, detail, err := waitOperation(ctx, op, out)
		if err != nil {
			return fmt.Errorf("compute: waiting for %q: %w", c.name, err)
		}
		c.mu.Lock()
		c.op = nil
		c.mu.Unlock()
		if state != "Succeeded" {
			_, rerr := op.Result(ctx)
			perr := &ProvisioningError{Target: c.name, State: state, Err: rerr}
			if st, err := c.ClusterStatus(ctx); err == nil {
				perr.State = string(st.ProvisioningState)
				perr.Errors = append(st.ProvisioningErrors, st.Errors...)
			}
			if len(perr.Errors) == 0 && detail != nil {
				perr.Errors = []ServiceError{serviceError(detail)}
			}
			return perr
		}
	}
	return c.waitForNodes(ctx, o.MinNodeCount, timeout, out)
}

// waitForNodes is azureml-core's AmlCompute._wait_for_nodes plus the summary lines of
// wait_for_completion.
func (c *BatchCluster) waitForNodes(ctx context.Context, minNodes int, timeout time.Duration, out io.Writer) error {
	start := time.Now()
	st, err := c.ClusterStatus(ctx)
	if err != nil {
		return err
	}
	// azureml's status object exists only in the Succeeded and Updating states.
	hasStatus := func(s *BatchClusterStatus) bool {
		return s.ProvisioningState == ProvisioningSucceeded || s.ProvisioningState == "Updating"
	}
	current := string(st.ProvisioningState)
	fmt.Fprint(out, current)
	target := func(s *BatchClusterStatus) int {
		if minNodes == 0 && hasStatus(s) {
			return s.ScaleSettings.MinNodes
		}
		return minNodes
	}
	minReached := func(s *BatchClusterStatus) bool {
		return hasStatus(s) && s.CurrentNodeCount != nil && *s.CurrentNodeCount >= target(s)
	}
	terminal := func(s *BatchClusterStatus) bool {
		state := capitalize(string(s.ProvisioningState))
		return state == "Failed" || state == "Canceled"
	}
	errorsPresent := func(s *BatchClusterStatus) bool {
		return (hasStatus(s) && len(s.Errors) > 0) || len(s.ProvisioningErrors) > 0
	}
	timedOut := func() bool { return time.Since(start) > timeout }
	for !minReached(st) && !timedOut() && !terminal(st) && !errorsPresent(st) {
		if hasStatus(st) && st.CurrentNodeCount != nil && *st.CurrentNodeCount != 0 {
			fmt.Fprintf(out, "Waiting for cluster to scale. %d out of %d nodes ready.\n", *st.CurrentNodeCount, target(st))
		}
		if err := sleep(ctx, provisioningPollInterval); err != nil {
			return err
		}
		if st, err = c.ClusterStatus(ctx); err != nil {
			return err
		}
		if hasStatus(st) {
			if state := string(st.ProvisioningState); state != current {
				if current == "" {
					fmt.Fprint(out, state)
				} else {
					fmt.Fprint(out, "\n"+state)
				}
				current = state
			} else {
				fmt.Fprint(out, ".")
			}
		}
	}
	fmt.Fprint(out, "\n")
	fmt.Fprint(out, "AmlCompute wait for completion finished\n\n")
	switch {
	case minReached(st):
		fmt.Fprintln(out, "Minimum number of nodes requested have been provisioned")
		return nil
	case timedOut():
		fmt.Fprintln(out, "Wait timeout has been reached")
		nodes := 0
		if st.CurrentNodeCount != nil {
			nodes = *st.CurrentNodeCount
		}
		if hasStatus(st) {
			fmt.Fprintf(out, "Current provisioning state of AmlCompute is %q and current node count is \"%d\"\n", capitalize(string(st.ProvisioningState)), nodes)
		} else {
			fmt.Fprintf(out, "Current provisioning state of AmlCompute is %q\n", capitalize(string(st.ProvisioningState)))
		}
		return fmt.Errorf("%w after %s: AmlCompute %q has %d of %d nodes", ErrWaitTimeout, timeout, c.name, nodes, target(st))
	case terminal(st):
		state := capitalize(string(st.ProvisioningState))
		fmt.Fprintf(out, "Terminal state of %q has been reached\n\n", state)
		if state == "Failed" {
			fmt.Fprintf(out, "Provisioning errors: %s\n\n", formatErrors(st.ProvisioningErrors))
		}
		return &ProvisioningError{Target: c.name, State: state, Errors: append(st.ProvisioningErrors, st.Errors...)}
	default:
		errs := st.ProvisioningErrors
		if hasStatus(st) {
			errs = st.Errors
		}
		fmt.Fprintf(out, "There were errors reported from AmlCompute:\n%s\n", formatErrors(errs))
		return &ProvisioningError{Target: c.name, State: string(st.ProvisioningState), Errors: errs}
	}
}
