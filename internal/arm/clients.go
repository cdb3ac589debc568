package arm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/tracing"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
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
	// CodeVersions, EnvironmentVersions, Jobs and Datastores are the workspace asset and job
	// clients (mfe.json).
	CodeVersions        *armmachinelearning.CodeVersionsClient
	EnvironmentVersions *armmachinelearning.EnvironmentVersionsClient
	Jobs                *armmachinelearning.JobsClient
	Datastores          *armmachinelearning.DatastoresClient
	// ContainerGroups and Containers are Microsoft.ContainerInstance clients.
	ContainerGroups *armcontainerinstance.ContainerGroupsClient
	Containers      *armcontainerinstance.ContainersClient

	pl   runtime.Pipeline
	tr   tracing.Tracer
	opts *ClientOptions
	cred azcore.TokenCredential
	tp   policy.Transporter
	// scope is Resource Manager's token scope (the data plane's run history and MLflow take the
	// same token).
	scope string
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
		SubscriptionID:      subscriptionID,
		Workspaces:          ml.NewWorkspacesClient(),
		Computes:            ml.NewComputeClient(),
		CodeVersions:        ml.NewCodeVersionsClient(),
		EnvironmentVersions: ml.NewEnvironmentVersionsClient(),
		Jobs:                ml.NewJobsClient(),
		Datastores:          ml.NewDatastoresClient(),
		cred:                cred,
		tp:                  transporter(opts),
		scope:               armScope(opts),
		ContainerGroups:     aci.NewContainerGroupsClient(),
		Containers:          aci.NewContainersClient(),
		pl:                  own.Pipeline(),
		tr:                  own.Tracer(),
		opts:                opts.Clone(),
	}, nil
}

// Registries returns a Microsoft.ContainerRegistry registries client of subscriptionID (a
// workspace's registry may live in another subscription), with the clients' credential and
// options.
func (c *Clients) Registries(subscriptionID string) (*armcontainerregistry.RegistriesClient, error) {
	if subscriptionID == "" {
		subscriptionID = c.SubscriptionID
	}
	rc, err := armcontainerregistry.NewRegistriesClient(subscriptionID, c.cred, c.opts.Clone())
	if err != nil {
		return nil, fmt.Errorf("arm: %w", err)
	}
	return rc, nil
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

// Do sends a request through the clients' pipeline (bearer token of Resource Manager's scope,
// retries, logging): for the workspace's data plane (run history), which the generated clients
// do not cover. body may be nil. A response that is not 2xx is returned as an
// *azcore.ResponseError.
func (c *Clients) Do(ctx context.Context, method, url string, body io.ReadSeekCloser) (*http.Response, error) {
	req, err := runtime.NewRequest(ctx, method, url)
	if err != nil {
		return nil, err
	}
	if body != nil {
		if err := req.SetBody(body, "application/json"); err != nil {
			return nil, err
		}
	}
	resp, err := c.pl.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, runtime.NewResponseError(resp)
	}
	return resp, nil
}

// Token returns a bearer token of Resource Manager's scope, for data-plane clients that do not
// use the pipeline (MLflow).
func (c *Clients) Token(ctx context.Context) (string, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return "", err
	}
	return tok.Token, nil
}

// armScope is the token scope of the clients' cloud.
func armScope(opts *ClientOptions) string {
	ep := "https://management.azure.com"
	if opts != nil {
		if c, ok := opts.Cloud.Services[cloud.ResourceManager]; ok && c.Audience != "" {
			ep = c.Audience
		}
	}
	return strings.TrimSuffix(ep, "/") + "/.default"
}

// HTTPDo sends a request without the pipeline's policies (no token): for URLs that carry their
// own authorization (SAS URLs) or none (the workspace discovery document), over the clients'
// transport (the options' Transport, else http.DefaultClient).
func (c *Clients) HTTPDo(req *http.Request) (*http.Response, error) { return c.tp.Do(req) }

func transporter(opts *ClientOptions) policy.Transporter {
	if opts != nil && opts.Transport != nil {
		return opts.Transport
	}
	return http.DefaultClient
}

// BlobClientOptions are azcore client options for data-plane clients (azblob) with the clients'
// transport.
func (c *Clients) BlobClientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{Transport: c.tp}
}
