package arm

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/tracing"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
)

// Module name and version reported in the User-Agent and traces of amlgo's own pollers.
const (
	moduleName    = "github.com/amlgo/amlgo"
	moduleVersion = "v0.1.0"
)

// ClientOptions configures the clients' pipelines: cloud, transport, retries, logging. It is
// azcore's ARM client options.
type ClientOptions = azarm.ClientOptions

// Clients are the generated clients of one subscription. They are safe for concurrent use.
type Clients struct {
	// SubscriptionID is the subscription every client addresses.
	SubscriptionID string
	// Workspaces and Computes are Microsoft.MachineLearningServices clients.
	Workspaces *armmachinelearning.WorkspacesClient
	Computes   *armmachinelearning.ComputeClient
	// ContainerGroups and Containers are Microsoft.ContainerInstance clients.
	ContainerGroups *armcontainerinstance.ContainerGroupsClient
	Containers      *armcontainerinstance.ContainersClient

	pl runtime.Pipeline
	tr tracing.Tracer
}

// NewClients returns the clients of subscriptionID, authenticating with cred. opts may be nil;
// it is not modified.
func NewClients(subscriptionID string, cred azcore.TokenCredential, opts *ClientOptions) (*Clients, error) {
	if cred == nil {
		return nil, errors.New("arm: nil credential")
	}
	if subscriptionID == "" {
		return nil, errors.New("arm: empty subscription id")
	}
	ml, err := armmachinelearning.NewClientFactory(subscriptionID, cred, opts.Clone())
	if err != nil {
		return nil, fmt.Errorf("arm: %w", err)
	}
	aci, err := armcontainerinstance.NewClientFactory(subscriptionID, cred, opts.Clone())
	if err != nil {
		return nil, fmt.Errorf("arm: %w", err)
	}
	own, err := azarm.NewClient(moduleName, moduleVersion, cred, opts.Clone())
	if err != nil {
		return nil, fmt.Errorf("arm: %w", err)
	}
	return &Clients{
		SubscriptionID:  subscriptionID,
		Workspaces:      ml.NewWorkspacesClient(),
		Computes:        ml.NewComputeClient(),
		ContainerGroups: aci.NewContainerGroupsClient(),
		Containers:      aci.NewContainersClient(),
		pl:              own.Pipeline(),
		tr:              own.Tracer(),
	}, nil
}

// Begin starts a long-running operation by calling start, which must send the operation's first
// request with a generated client's Begin method and the context it is given, and returns a
// poller of that operation whose final resource decodes into T (a type whose JSON form is the
// resource, or an empty struct for a deletion). An error of start, e.g. the client's
// *azcore.ResponseError, is returned as is.
func Begin[T any](ctx context.Context, c *Clients, start func(ctx context.Context) error) (*runtime.Poller[T], error) {
	var resp *http.Response
	if err := start(policy.WithCaptureResponse(ctx, &resp)); err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("arm: the operation sent no request")
	}
	return runtime.NewPoller(resp, c.pl, &runtime.NewPollerOptions[T]{Tracer: c.tr})
}

// Resume returns the poller of an operation started earlier, maybe in another process, from its
// resume token (Poller.ResumeToken of a poller from Begin or of a generated client's poller).
func Resume[T any](c *Clients, token string) (*runtime.Poller[T], error) {
	return runtime.NewPollerFromResumeToken(token, c.pl, &runtime.NewPollerFromResumeTokenOptions[T]{Tracer: c.tr})
}

// IsNotFound reports whether err is a service response with status 404.
func IsNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}
