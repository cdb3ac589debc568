package arm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/arm/armfake"
)

func newClient(t *testing.T) (*arm.Client, *armfake.Server, arm.WorkspaceID) {
	t.Helper()
	srv := armfake.New(t)
	id := srv.NewWorkspace("sub-1", "rg-1", "ws1", "eastus")
	c, err := arm.NewClient(srv.Credential(), srv.ClientOptions())
	require.NoError(t, err)
	wid, err := arm.ParseWorkspaceID(id)
	require.NoError(t, err)
	return c, srv, wid
}

func fast(t *testing.T) *runtime.PollUntilDoneOptions {
	return &runtime.PollUntilDoneOptions{Frequency: time.Millisecond}
}

func TestGetWorkspace(t *testing.T) {
	c, _, id := newClient(t)
	ws, err := c.GetWorkspace(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "ws1", ws.Name)
	assert.Equal(t, "eastus", ws.Location)
	assert.Contains(t, ws.Properties.MLFlowTrackingURI, "azureml://eastus")
	assert.Equal(t, id.String(), ws.ID)

	_, err = c.GetWorkspace(context.Background(), arm.WorkspaceID{SubscriptionID: "sub-1", ResourceGroup: "rg-1", Name: "nope"})
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.StatusCode)
	assert.Equal(t, "ResourceNotFound", re.ErrorCode)
	assert.True(t, arm.IsNotFound(err))
}

func TestListWorkspacesFollowsNextLinkVerbatim(t *testing.T) {
	c, srv, _ := newClient(t)
	srv.NewWorkspace("sub-1", "rg-1", "ws2", "eastus")
	srv.NewWorkspace("sub-1", "rg-1", "ws3", "westus")
	srv.NewWorkspace("sub-1", "other", "ws4", "westus")
	srv.PageSize = 2
	srv.NextLinkAPIVersion = "2025-07-01-preview"
	var names []string
	pages := 0
	for p := c.NewListWorkspacesPager("sub-1", "rg-1"); p.More(); {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		for _, w := range page.Value {
			names = append(names, w.Name)
		}
	}
	assert.Equal(t, []string{"ws1", "ws2", "ws3"}, names)
	assert.Equal(t, 2, pages)
	reqs := srv.Requests()
	assert.Equal(t, "2025-07-01-preview", reqs[len(reqs)-1].Query.Get("api-version"), "nextLink followed as sent")
}

func TestAPIVersionOnEveryRequest(t *testing.T) {
	c, srv, id := newClient(t)
	_, err := c.GetWorkspace(context.Background(), id)
	require.NoError(t, err)
	for _, r := range srv.Requests() {
		assert.Equal(t, arm.APIVersion, r.Query.Get("api-version"), r.Path)
	}
	// A request without it is refused with the ARM error body.
	req, err := runtime.NewRequest(context.Background(), http.MethodGet, c.Endpoint()+id.String())
	require.NoError(t, err)
	resp, err := c.Pipeline().Do(req)
	require.NoError(t, err)
	re := runtime.NewResponseError(resp).(*azcore.ResponseError)
	assert.Equal(t, http.StatusBadRequest, re.StatusCode)
	assert.Equal(t, "InvalidApiVersionParameter", re.ErrorCode)
}

func TestRetriesHonourRetryAfter(t *testing.T) {
	c, srv, id := newClient(t)
	srv.Inject(http.MethodGet, "/workspaces/ws1", http.StatusTooManyRequests, http.StatusServiceUnavailable)
	start := time.Now()
	ws, err := c.GetWorkspace(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "ws1", ws.Name)
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second, "two Retry-After: 1 delays")
	assert.Len(t, srv.Requests(), 3)
}

func TestComputeLifecycle(t *testing.T) {
	ctx := context.Background()
	c, srv, id := newClient(t)
	srv.PollsBeforeDone = 2
	body := &arm.ComputeResource{Location: "eastus", Properties: &arm.Compute{ComputeType: arm.ComputeTypeAmlCompute}}
	min := int32(2)
	require.NoError(t, body.Properties.SetProperties(arm.AmlComputeProperties{
		VMSize:                 "STANDARD_D2_V2",
		ScaleSettings:          &arm.ScaleSettings{MaxNodeCount: 4, MinNodeCount: &min, NodeIdleTimeBeforeScaleDown: "PT1800S"},
		UserAccountCredentials: &arm.UserAccount{AdminUserName: "azureuser", AdminUserPassword: "S3cret!pass"},
	}))
	p, err := c.BeginCreateOrUpdateCompute(ctx, id, "cpu", body, nil)
	require.NoError(t, err)
	tok, err := p.ResumeToken()
	require.NoError(t, err)
	p2, err := c.BeginCreateOrUpdateCompute(ctx, id, "cpu", nil, &arm.BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	res, err := p2.PollUntilDone(ctx, fast(t))
	require.NoError(t, err)
	assert.Equal(t, "Succeeded", res.Properties.ProvisioningState)
	aml, err := res.Properties.AmlCompute()
	require.NoError(t, err)
	assert.Equal(t, int32(2), *aml.CurrentNodeCount)
	assert.Empty(t, aml.UserAccountCredentials.AdminUserPassword, "secrets are not returned")

	var nodes []arm.NodeInformation
	srv.PageSize = 1
	for pg := c.NewListNodesPager(id, "cpu"); pg.More(); {
		page, err := pg.NextPage(ctx)
		require.NoError(t, err)
		nodes = append(nodes, page.Nodes...)
	}
	assert.Len(t, nodes, 2)

	up, err := c.BeginUpdateCompute(ctx, id, "cpu", &arm.ClusterUpdateParameters{Properties: &arm.ClusterUpdateProperties{
		Properties: &arm.ScaleSettingsInformation{ScaleSettings: &arm.ScaleSettings{MaxNodeCount: 8}}}}, nil)
	require.NoError(t, err)
	res, err = up.PollUntilDone(ctx, fast(t))
	require.NoError(t, err)
	aml, _ = res.Properties.AmlCompute()
	assert.Equal(t, int32(8), aml.ScaleSettings.MaxNodeCount)

	var list []string
	for pg := c.NewListComputesPager(id); pg.More(); {
		page, err := pg.NextPage(ctx)
		require.NoError(t, err)
		for _, r := range page.Value {
			list = append(list, r.Name)
		}
	}
	assert.Equal(t, []string{"cpu"}, list)

	srv.DeleteLocationOnly = true
	del, err := c.BeginDeleteCompute(ctx, id, "cpu", arm.UnderlyingResourceDelete, nil)
	require.NoError(t, err)
	_, err = del.PollUntilDone(ctx, fast(t))
	require.NoError(t, err)
	_, err = c.GetCompute(ctx, id, "cpu")
	assert.True(t, arm.IsNotFound(err))

	// Deleting a compute that does not exist: 204.
	del, err = c.BeginDeleteCompute(ctx, id, "cpu", arm.UnderlyingResourceDetach, nil)
	require.NoError(t, err)
	assert.True(t, del.Done())

	for _, r := range srv.Requests() {
		if r.Method != http.MethodPut {
			assert.NotContains(t, string(r.Body), "S3cret!pass")
		}
	}
}

func TestCreateFailureIsResponseError(t *testing.T) {
	ctx := context.Background()
	c, srv, id := newClient(t)
	srv.FailNextOperation("QuotaExceeded", "Not enough quota")
	body := &arm.ComputeResource{Properties: &arm.Compute{ComputeType: arm.ComputeTypeAmlCompute}}
	p, err := c.BeginCreateOrUpdateCompute(ctx, id, "gpu", body, nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, fast(t))
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "QuotaExceeded", re.ErrorCode)
	got, err := c.GetCompute(ctx, id, "gpu")
	require.NoError(t, err)
	assert.Equal(t, "Failed", got.Properties.ProvisioningState)
	require.Len(t, got.Properties.ProvisioningErrors, 1)
	assert.Equal(t, "Not enough quota", got.Properties.ProvisioningErrors[0].Error.Message)

	// A delete without the required action is a 400 with the ARM error body.
	_, err = c.BeginDeleteCompute(ctx, id, "gpu", "", nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusBadRequest, re.StatusCode)
}

func TestParseWorkspaceID(t *testing.T) {
	id, err := arm.ParseWorkspaceID("/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/projects/p")
	require.NoError(t, err)
	assert.Equal(t, arm.WorkspaceID{SubscriptionID: "s", ResourceGroup: "rg", Name: "w"}, id)
	_, err = arm.ParseWorkspaceID("/subscriptions/s/resourceGroups/rg")
	assert.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "arm: "))
	_, err = arm.NewClient(nil, nil)
	assert.Error(t, err)
	assert.False(t, arm.IsNotFound(errors.New("x")))
}
