package arm

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// GetCompute returns the workspace's compute called name (Compute_Get). A missing compute is
// an *azcore.ResponseError with status 404 (see IsNotFound).
func (c *Client) GetCompute(ctx context.Context, ws WorkspaceID, name string) (*ComputeResource, error) {
	req, err := c.newRequest(ctx, http.MethodGet, ws.computePath(name), nil, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var r ComputeResource
	return &r, decode(resp, &r)
}

// NewListComputesPager lists the workspace's computes (Compute_List).
func (c *Client) NewListComputesPager(ws WorkspaceID) *runtime.Pager[ComputeList] {
	return newPager[ComputeList](c, http.MethodGet, ws.path()+"/computes", func(p ComputeList) string { return p.NextLink })
}

// NewListNodesPager lists an AmlCompute cluster's nodes (Compute_ListNodes, a POST pager).
func (c *Client) NewListNodesPager(ws WorkspaceID, name string) *runtime.Pager[NodeList] {
	return newPager[NodeList](c, http.MethodPost, ws.computePath(name)+"/listNodes", func(p NodeList) string { return p.NextLink })
}

// BeginOptions are the options of the Begin* operations.
type BeginOptions struct {
	// ResumeToken resumes an operation started earlier (Poller.ResumeToken) instead of
	// starting a new one.
	ResumeToken string
}

// BeginCreateOrUpdateCompute creates or replaces a compute (Compute_CreateOrUpdate: 200/201,
// Azure-AsyncOperation). The poller's result is the compute after the operation.
func (c *Client) BeginCreateOrUpdateCompute(ctx context.Context, ws WorkspaceID, name string, body *ComputeResource, opts *BeginOptions) (*runtime.Poller[ComputeResource], error) {
	return BeginCreateOrUpdateComputeAs[ComputeResource](ctx, c, ws, name, body, opts)
}

// BeginCreateOrUpdateComputeAs is BeginCreateOrUpdateCompute with the final compute decoded
// into T (a type whose JSON form is a compute resource).
func BeginCreateOrUpdateComputeAs[T any](ctx context.Context, c *Client, ws WorkspaceID, name string, body *ComputeResource, opts *BeginOptions) (*runtime.Poller[T], error) {
	if opts != nil && opts.ResumeToken != "" {
		return runtime.NewPollerFromResumeToken[T](opts.ResumeToken, c.pl, &runtime.NewPollerFromResumeTokenOptions[T]{Tracer: c.tr})
	}
	req, err := c.newRequest(ctx, http.MethodPut, ws.computePath(name), nil, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, http.StatusOK, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return runtime.NewPoller(resp, c.pl, &runtime.NewPollerOptions[T]{Tracer: c.tr})
}

// BeginUpdateCompute changes an AmlCompute cluster's scale settings (Compute_Update).
func (c *Client) BeginUpdateCompute(ctx context.Context, ws WorkspaceID, name string, body *ClusterUpdateParameters, opts *BeginOptions) (*runtime.Poller[ComputeResource], error) {
	if opts != nil && opts.ResumeToken != "" {
		return runtime.NewPollerFromResumeToken[ComputeResource](opts.ResumeToken, c.pl, &runtime.NewPollerFromResumeTokenOptions[ComputeResource]{Tracer: c.tr})
	}
	req, err := c.newRequest(ctx, http.MethodPatch, ws.computePath(name), nil, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return runtime.NewPoller(resp, c.pl, &runtime.NewPollerOptions[ComputeResource]{Tracer: c.tr})
}

// DeleteResult is the (empty) result of a compute deletion.
type DeleteResult struct{}

// BeginDeleteCompute deletes or detaches a compute (Compute_Delete with
// underlyingResourceAction Delete or Detach: 200, 202 + Azure-AsyncOperation/Location, or 204
// when the compute does not exist).
func (c *Client) BeginDeleteCompute(ctx context.Context, ws WorkspaceID, name, underlyingResourceAction string, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	if opts != nil && opts.ResumeToken != "" {
		return runtime.NewPollerFromResumeToken[DeleteResult](opts.ResumeToken, c.pl, &runtime.NewPollerFromResumeTokenOptions[DeleteResult]{Tracer: c.tr})
	}
	req, err := c.newRequest(ctx, http.MethodDelete, ws.computePath(name), map[string]string{"underlyingResourceAction": underlyingResourceAction}, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, http.StatusOK, http.StatusAccepted, http.StatusNoContent)
	if err != nil {
		return nil, err
	}
	return runtime.NewPoller(resp, c.pl, &runtime.NewPollerOptions[DeleteResult]{Tracer: c.tr})
}

// OperationStatus is the body of an Azure-AsyncOperation status monitor, or the state read
// from a resource's provisioningState when the operation is polled through the resource.
type OperationStatus struct {
	Status string       `json:"status"`
	Error  *ErrorDetail `json:"error,omitempty"`
}

// StatusOf reads the operation state from a polling response: "status" of an
// Azure-AsyncOperation monitor, or properties.provisioningState of a resource. An empty body
// (e.g. 204) gives "Succeeded"; a body without either gives "".
func StatusOf(resp *http.Response) OperationStatus {
	if resp == nil {
		return OperationStatus{}
	}
	b, err := runtime.Payload(resp)
	if err != nil {
		return OperationStatus{}
	}
	if len(b) == 0 {
		if resp.StatusCode == http.StatusAccepted {
			return OperationStatus{Status: "InProgress"}
		}
		return OperationStatus{Status: "Succeeded"}
	}
	var st struct {
		Status     string       `json:"status"`
		Error      *ErrorDetail `json:"error"`
		Properties *struct {
			ProvisioningState string `json:"provisioningState"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return OperationStatus{}
	}
	if st.Status != "" {
		return OperationStatus{Status: st.Status, Error: st.Error}
	}
	if st.Properties != nil {
		return OperationStatus{Status: st.Properties.ProvisioningState}
	}
	return OperationStatus{}
}

// ListComputeKeys returns a compute's secrets (Compute_ListKeys), e.g. the SSH credentials of
// a VirtualMachine. The caller must keep them out of logs, errors and stored state.
func (c *Client) ListComputeKeys(ctx context.Context, ws WorkspaceID, name string) (*ComputeSecrets, error) {
	req, err := c.newRequest(ctx, http.MethodPost, ws.computePath(name)+"/listKeys", nil, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var s ComputeSecrets
	return &s, decode(resp, &s)
}
