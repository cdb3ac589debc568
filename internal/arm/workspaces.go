package arm

import (
	"context"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// GetWorkspace returns the workspace (Workspaces_Get).
func (c *Client) GetWorkspace(ctx context.Context, id WorkspaceID) (*Workspace, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	req, err := c.newRequest(ctx, http.MethodGet, id.path(), nil, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var w Workspace
	return &w, decode(resp, &w)
}

// NewListWorkspacesPager lists a resource group's workspaces (Workspaces_ListByResourceGroup),
// following nextLink verbatim.
func (c *Client) NewListWorkspacesPager(subscriptionID, resourceGroup string) *runtime.Pager[WorkspaceList] {
	path := "/subscriptions/" + url.PathEscape(subscriptionID) + "/resourceGroups/" + url.PathEscape(resourceGroup) +
		"/providers/Microsoft.MachineLearningServices/workspaces"
	return newPager[WorkspaceList](c, http.MethodGet, path, func(p WorkspaceList) string { return p.NextLink })
}

// newPager builds a pager whose first request is method path and whose next pages are GETs of
// the nextLink the service returned.
func newPager[T any](c *Client, method, path string, next func(T) string) *runtime.Pager[T] {
	return runtime.NewPager(runtime.PagingHandler[T]{
		More: func(page T) bool { return next(page) != "" },
		Fetcher: func(ctx context.Context, page *T) (T, error) {
			var zero, out T
			link := ""
			if page != nil {
				link = next(*page)
			}
			resp, err := runtime.FetcherForNextLink(ctx, c.pl, link, func(ctx context.Context) (*policy.Request, error) {
				return c.newRequest(ctx, method, path, nil, nil)
			}, nil)
			if err != nil {
				return zero, err
			}
			if err := decode(resp, &out); err != nil {
				return zero, err
			}
			return out, nil
		},
	})
}
