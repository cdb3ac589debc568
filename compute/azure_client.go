package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// provisioningPollInterval is how often provisioning operations are polled: every 5 s, as
// azureml-core does. Tests shorten it.
var provisioningPollInterval = 5 * time.Second

// defaultWaitTimeout is azureml-core's AmlCompute.wait_for_completion timeout_in_minutes=25.
const defaultWaitTimeout = 25 * time.Minute

// ErrRequiresAzureWorkspace reports an operation that needs an Azure workspace (from
// workspace.Get or workspace.FromConfig) on a local one.
var ErrRequiresAzureWorkspace = workspace.ErrRequiresAzureWorkspace

// azureOf returns the Resource Manager side of ws, or an error wrapping
// ErrRequiresAzureWorkspace.
func azureOf(ws *workspace.Workspace, op string) (*wsaccess.AzureWorkspace, error) {
	if ws == nil {
		return nil, errors.New("compute: nil workspace")
	}
	az, ok := wsaccess.Azure(ws)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrRequiresAzureWorkspace, op)
	}
	return az, nil
}

// ServiceError is one error the service reported about a compute target (an entry of its
// provisioningErrors, or of an AmlCompute's errors).
type ServiceError struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Target  string `json:"target,omitempty"`
}

// String formats the error as "Code: Message".
func (e ServiceError) String() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

func serviceErrors(in []*armmachinelearning.ErrorResponse) []ServiceError {
	var out []ServiceError
	for _, e := range in {
		if e == nil || e.Error == nil {
			continue
		}
		out = append(out, serviceError(e.Error))
	}
	return out
}

func serviceError(e *armmachinelearning.ErrorDetail) ServiceError {
	return ServiceError{Code: deref(e.Code), Message: deref(e.Message), Target: deref(e.Target)}
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func formatErrors(errs []ServiceError) string {
	b, _ := json.Marshal(errs)
	return string(b)
}

// notFound is the error of a missing compute target, with azureml-core's message; it wraps
// ErrNotFound and, when the service said so, its *azcore.ResponseError.
func notFound(name string, cause error) error {
	if cause != nil {
		return fmt.Errorf("%w: ComputeTargetNotFound: Compute Target with name %s not found in provided workspace: %w", ErrNotFound, name, cause)
	}
	return fmt.Errorf("%w: ComputeTargetNotFound: Compute Target with name %s not found in provided workspace", ErrNotFound, name)
}

// getARM reads a compute from Resource Manager.
func getARM(ctx context.Context, az *wsaccess.AzureWorkspace, name string) (*armmachinelearning.ComputeResource, error) {
	resp, err := az.Clients.Computes.Get(ctx, az.ResourceGroup, az.Name, name, nil)
	if arm.IsNotFound(err) {
		return nil, notFound(name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("compute: getting %q: %w", name, err)
	}
	if resp.Properties == nil || resp.Properties.GetCompute() == nil {
		return nil, fmt.Errorf("compute: getting %q: the service returned no properties", name)
	}
	return &resp.ComputeResource, nil
}

// baseOf returns the properties every compute type has.
func baseOf(res *armmachinelearning.ComputeResource) *armmachinelearning.Compute {
	return res.Properties.GetCompute()
}

// getAzure returns the Azure workspace's target name, typed by its computeType.
func getAzure(ctx context.Context, ws *workspace.Workspace, az *wsaccess.AzureWorkspace, name string) (ComputeTarget, error) {
	if name == "containerinstance" {
		return newContainerInstance(ws, az), nil
	}
	res, err := getARM(ctx, az, name)
	if err != nil {
		return nil, err
	}
	return targetFromARM(ws, az, res)
}

// listAzure returns the Azure workspace's targets, following every page.
func listAzure(ctx context.Context, ws *workspace.Workspace, az *wsaccess.AzureWorkspace, out map[string]ComputeTarget) error {
	for p := az.Clients.Computes.NewListPager(az.ResourceGroup, az.Name, nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("compute: listing targets: %w", err)
		}
		for _, res := range page.Value {
			if res == nil || res.Properties == nil || res.Properties.GetCompute() == nil {
				continue
			}
			t, err := targetFromARM(ws, az, res)
			if err != nil {
				return err
			}
			out[t.Name()] = t
		}
	}
	return nil
}

// targetFromARM builds the typed target of a compute resource (its properties decoded by
// computeType).
func targetFromARM(ws *workspace.Workspace, az *wsaccess.AzureWorkspace, res *armmachinelearning.ComputeResource) (ComputeTarget, error) {
	switch p := res.Properties.(type) {
	case *armmachinelearning.AmlCompute:
		return newBatchCluster(ws, az, res, nil), nil
	case *armmachinelearning.VirtualMachine:
		return dsvmFromARM(ws, az, res, p)
	case *armmachinelearning.HDInsight:
		return hdinsightFromARM(ws, az, res, p)
	default:
		return newAzureTarget(ws, az, res), nil
	}
}

// checkNewName rejects empty and reserved target names with azureml-core's message.
func checkNewName(name string) error {
	if name == "" {
		return errors.New("compute: empty compute target name")
	}
	if IsReservedName(name) {
		return fmt.Errorf("%w: Please specify a different target name. %s is a reserved name.", ErrReservedName, name)
	}
	return nil
}

// waitOperation polls a provisioning operation as azureml-core's
// ComputeTarget._wait_for_completion: it writes the operation state, a dot per poll and the
// new state on each change, then `Provisioning operation finished, operation "<state>"`.
func waitOperation[T any](ctx context.Context, p *runtime.Poller[T], out io.Writer) (string, *armmachinelearning.ErrorDetail, error) {
	resp, err := p.Poll(ctx)
	if err != nil {
		return "", nil, err
	}
	st := arm.StatusOf(resp)
	current := st.Status
	fmt.Fprint(out, current)
	for !p.Done() {
		if err := sleep(ctx, provisioningPollInterval); err != nil {
			return current, nil, err
		}
		resp, err = p.Poll(ctx)
		if err != nil {
			return current, nil, err
		}
		st = arm.StatusOf(resp)
		fmt.Fprint(out, ".")
		if st.Status != current {
			fmt.Fprint(out, "\n"+st.Status)
			current = st.Status
		}
	}
	fmt.Fprintf(out, "Provisioning operation finished, operation %q\n", current)
	return current, st.Error, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// capitalize is Python's str.capitalize: first letter upper case, the rest lower case.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// isResponseError reports whether err carries a service response.
func isResponseError(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re)
}
