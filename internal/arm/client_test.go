package arm_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// These tests run Microsoft's generated clients, and amlgo's pollers of their operations,
// against the fake: they check the fake's spec behaviour as the clients see it.

const (
	rg = "rg-1"
	ws = "ws1"
)

func newClients(t *testing.T) (*arm.Clients, *armfake.Server, string) {
	t.Helper()
	srv := armfake.New(t)
	id := srv.NewWorkspace("sub-1", rg, ws, "eastus")
	c, err := arm.NewClients("sub-1", srv.Credential(), srv.ClientOptions())
	require.NoError(t, err)
	return c, srv, id
}

func fast() *runtime.PollUntilDoneOptions {
	return &runtime.PollUntilDoneOptions{Frequency: time.Millisecond}
}

func TestGetWorkspace(t *testing.T) {
	c, _, id := newClients(t)
	w, err := c.Workspaces.Get(context.Background(), rg, ws, nil)
	require.NoError(t, err)
	assert.Equal(t, "ws1", *w.Name)
	assert.Equal(t, "eastus", *w.Location)
	assert.Contains(t, *w.Properties.MlFlowTrackingURI, "azureml://eastus")
	assert.Equal(t, id, *w.ID)

	_, err = c.Workspaces.Get(context.Background(), rg, "nope", nil)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.StatusCode)
	assert.Equal(t, "ResourceNotFound", re.ErrorCode)
	assert.True(t, arm.IsNotFound(err))
}

func TestListWorkspacesFollowsNextLinkVerbatim(t *testing.T) {
	c, srv, _ := newClients(t)
	srv.NewWorkspace("sub-1", rg, "ws2", "eastus")
	srv.NewWorkspace("sub-1", rg, "ws3", "westus")
	srv.NewWorkspace("sub-1", "other", "ws4", "westus")
	srv.PageSize = 2
	srv.NextLinkAPIVersion = "2025-07-01-preview"
	var names []string
	pages := 0
	for p := c.Workspaces.NewListByResourceGroupPager(rg, nil); p.More(); {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		for _, w := range page.Value {
			names = append(names, *w.Name)
		}
	}
	assert.Equal(t, []string{"ws1", "ws2", "ws3"}, names)
	assert.Equal(t, 2, pages)
	reqs := srv.Requests()
	assert.Equal(t, "2025-07-01-preview", reqs[len(reqs)-1].Query.Get("api-version"), "nextLink followed as sent")
}

func TestAPIVersionOnEveryRequest(t *testing.T) {
	c, srv, id := newClients(t)
	_, err := c.Workspaces.Get(context.Background(), rg, ws, nil)
	require.NoError(t, err)
	assert.Equal(t, "2024-04-01", armfake.APIVersion, "the api-version of armmachinelearning/v4")
	for _, r := range srv.Requests() {
		assert.Equal(t, armfake.APIVersion, r.Query.Get("api-version"), r.Path)
	}
	// A request without it, or with another one, is refused with the ARM error body.
	own, err := azarm.NewClient("test", "v0.0.0", srv.Credential(), srv.ClientOptions())
	require.NoError(t, err)
	for _, q := range []string{"", "?api-version=2025-12-01"} {
		req, err := runtime.NewRequest(context.Background(), http.MethodGet, srv.URL()+id+q)
		require.NoError(t, err)
		resp, err := own.Pipeline().Do(req)
		require.NoError(t, err)
		re := runtime.NewResponseError(resp).(*azcore.ResponseError)
		assert.Equal(t, http.StatusBadRequest, re.StatusCode)
		assert.Equal(t, "InvalidApiVersionParameter", re.ErrorCode)
	}
}

func TestRetriesHonourRetryAfter(t *testing.T) {
	c, srv, _ := newClients(t)
	srv.Inject(http.MethodGet, "/workspaces/ws1", http.StatusTooManyRequests, http.StatusServiceUnavailable)
	start := time.Now()
	w, err := c.Workspaces.Get(context.Background(), rg, ws, nil)
	require.NoError(t, err)
	assert.Equal(t, "ws1", *w.Name)
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second, "two Retry-After: 1 delays")
	assert.Len(t, srv.Requests(), 3)
}

func amlBody(min int32, password string) armmachinelearning.ComputeResource {
	return armmachinelearning.ComputeResource{Location: to.Ptr("eastus"), Properties: &armmachinelearning.AmlCompute{
		ComputeType: to.Ptr(armmachinelearning.ComputeTypeAmlCompute),
		Properties: &armmachinelearning.AmlComputeProperties{
			VMSize: to.Ptr("STANDARD_D2_V2"),
			ScaleSettings: &armmachinelearning.ScaleSettings{MaxNodeCount: to.Ptr[int32](4), MinNodeCount: to.Ptr(min),
				NodeIdleTimeBeforeScaleDown: to.Ptr("PT1800S")},
			UserAccountCredentials: &armmachinelearning.UserAccountCredentials{AdminUserName: to.Ptr("azureuser"), AdminUserPassword: to.Ptr(password)},
		}}}
}

func TestComputeLifecycle(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := newClients(t)
	srv.PollsBeforeDone = 2
	p, err := arm.Begin[armmachinelearning.ComputeResource](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginCreateOrUpdate(ctx, rg, ws, "cpu", amlBody(2, "S3cret!pass"), nil)
		return err
	})
	require.NoError(t, err)
	assert.False(t, p.Done())
	tok, err := p.ResumeToken()
	require.NoError(t, err)
	p2, err := arm.Resume[armmachinelearning.ComputeResource](c, tok)
	require.NoError(t, err)
	res, err := p2.PollUntilDone(ctx, fast())
	require.NoError(t, err)
	aml, ok := res.Properties.(*armmachinelearning.AmlCompute)
	require.True(t, ok, "%T", res.Properties)
	assert.Equal(t, armmachinelearning.ProvisioningStateSucceeded, *aml.ProvisioningState)
	assert.Equal(t, int32(2), *aml.Properties.CurrentNodeCount)
	assert.Nil(t, aml.Properties.UserAccountCredentials.AdminUserPassword, "secrets are not returned")

	var nodes []*armmachinelearning.AmlComputeNodeInformation
	srv.PageSize = 1
	for pg := c.Computes.NewListNodesPager(rg, ws, "cpu", nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		require.NoError(t, err)
		nodes = append(nodes, page.Nodes...)
	}
	require.Len(t, nodes, 2)
	assert.Equal(t, int32(50001), *nodes[1].Port)

	up, err := arm.Begin[armmachinelearning.ComputeResource](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginUpdate(ctx, rg, ws, "cpu", armmachinelearning.ClusterUpdateParameters{
			Properties: &armmachinelearning.ClusterUpdateProperties{Properties: &armmachinelearning.ScaleSettingsInformation{
				ScaleSettings: &armmachinelearning.ScaleSettings{MaxNodeCount: to.Ptr[int32](8)}}}}, nil)
		return err
	})
	require.NoError(t, err)
	res, err = up.PollUntilDone(ctx, fast())
	require.NoError(t, err)
	assert.Equal(t, int32(8), *res.Properties.(*armmachinelearning.AmlCompute).Properties.ScaleSettings.MaxNodeCount)

	var list []string
	for pg := c.Computes.NewListPager(rg, ws, nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		require.NoError(t, err)
		for _, r := range page.Value {
			list = append(list, *r.Name)
		}
	}
	assert.Equal(t, []string{"cpu"}, list)

	srv.DeleteLocationOnly = true
	del, err := arm.Begin[struct{}](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginDelete(ctx, rg, ws, "cpu", armmachinelearning.UnderlyingResourceActionDelete, nil)
		return err
	})
	require.NoError(t, err)
	_, err = del.PollUntilDone(ctx, fast())
	require.NoError(t, err)
	_, err = c.Computes.Get(ctx, rg, ws, "cpu", nil)
	assert.True(t, arm.IsNotFound(err))

	// Deleting a compute that does not exist: 204, done at once.
	del, err = arm.Begin[struct{}](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginDelete(ctx, rg, ws, "cpu", armmachinelearning.UnderlyingResourceActionDetach, nil)
		return err
	})
	require.NoError(t, err)
	assert.True(t, del.Done())

	for _, r := range srv.Requests() {
		if r.Method != http.MethodPut {
			assert.NotContains(t, string(r.Body), "S3cret!pass")
		}
	}
}

// A resume token carries everything: clients made afresh (another process) finish the
// operation; a token is bound to its result type, as azcore's are.
func TestResumeInAnotherProcess(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := newClients(t)
	srv.PollsBeforeDone = 2
	p, err := arm.Begin[armmachinelearning.ComputeResource](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginCreateOrUpdate(ctx, rg, ws, "a", amlBody(1, "Pa55word!x"), nil)
		return err
	})
	require.NoError(t, err)
	tok, err := p.ResumeToken()
	require.NoError(t, err)
	assert.NotContains(t, tok, "Pa55word!x")

	other, err := arm.NewClients("sub-1", srv.Credential(), srv.ClientOptions())
	require.NoError(t, err)
	p2, err := arm.Resume[armmachinelearning.ComputeResource](other, tok)
	require.NoError(t, err)
	res, err := p2.PollUntilDone(ctx, fast())
	require.NoError(t, err)
	assert.Equal(t, "a", *res.Name)
	assert.Equal(t, armmachinelearning.ProvisioningStateSucceeded, *res.Properties.GetCompute().ProvisioningState)

	type other2 struct{ Name string }
	_, err = arm.Resume[other2](other, tok)
	assert.ErrorContains(t, err, "token is for type ComputeResource")
}

func TestCreateFailureIsResponseError(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := newClients(t)
	srv.FailNextOperation("QuotaExceeded", "Not enough quota")
	p, err := arm.Begin[armmachinelearning.ComputeResource](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginCreateOrUpdate(ctx, rg, ws, "gpu", armmachinelearning.ComputeResource{
			Properties: &armmachinelearning.AmlCompute{ComputeType: to.Ptr(armmachinelearning.ComputeTypeAmlCompute)}}, nil)
		return err
	})
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, fast())
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "QuotaExceeded", re.ErrorCode)
	got, err := c.Computes.Get(ctx, rg, ws, "gpu", nil)
	require.NoError(t, err)
	base := got.Properties.GetCompute()
	assert.Equal(t, armmachinelearning.ProvisioningStateFailed, *base.ProvisioningState)
	require.Len(t, base.ProvisioningErrors, 1)
	assert.Equal(t, "Not enough quota", *base.ProvisioningErrors[0].Error.Message)

	// A delete without a valid action is a 400 with the ARM error body.
	_, err = arm.Begin[struct{}](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginDelete(ctx, rg, ws, "gpu", "", nil)
		return err
	})
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusBadRequest, re.StatusCode)
}

func TestStatusOf(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := newClients(t)
	srv.FailNextOperation("QuotaExceeded", "Not enough quota")
	p, err := arm.Begin[armmachinelearning.ComputeResource](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginCreateOrUpdate(ctx, rg, ws, "gpu", amlBody(0, "Pa55word!x"), nil)
		return err
	})
	require.NoError(t, err)
	var states []string
	for !p.Done() {
		resp, err := p.Poll(ctx)
		require.NoError(t, err)
		st := arm.StatusOf(resp)
		states = append(states, st.Status)
		if st.Status == "Failed" {
			require.NotNil(t, st.Error)
			assert.Equal(t, "QuotaExceeded", *st.Error.Code)
		}
	}
	assert.Equal(t, []string{"InProgress", "Failed"}, states)
	assert.Equal(t, arm.OperationStatus{}, arm.StatusOf(nil))
}

func TestNewClientsNeedsCredentialAndSubscription(t *testing.T) {
	_, err := arm.NewClients("sub", nil, nil)
	assert.EqualError(t, err, "arm: nil credential")
	srv := armfake.New(t)
	_, err = arm.NewClients("", srv.Credential(), nil)
	assert.EqualError(t, err, "arm: empty subscription id")
	assert.False(t, arm.IsNotFound(assert.AnError))
}
