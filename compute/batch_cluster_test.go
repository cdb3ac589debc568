package compute

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

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/workspace"
)

func TestCreateBatchClusterWaitForCompletion(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	c, err := CreateBatchCluster(ctx, f.ws, "cpu-cluster", &BatchClusterConfig{VMSize: "STANDARD_D2_V2", MaxNodes: 4})
	require.NoError(t, err)
	assert.NotEmpty(t, c.ResumeToken())
	assert.Equal(t, f.wsID+"/computes/cpu-cluster", c.ID())

	// The request is azureml's payload: workspace location, scale settings with the defaults.
	assert.Empty(t, armfake.SemanticDiff([]byte(`{"location":"eastus","properties":{"computeType":"AmlCompute",
		"properties":{"vmSize":"STANDARD_D2_V2","scaleSettings":{"minNodeCount":0,"maxNodeCount":4,"nodeIdleTimeBeforeScaleDown":"PT1800S"}}}}`),
		f.lastBody(t, http.MethodPut, "/computes/cpu-cluster")))

	var out strings.Builder
	require.NoError(t, c.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out}))
	assert.Equal(t, "InProgress.\nSucceededProvisioning operation finished, operation \"Succeeded\"\n"+
		"Succeeded\nAmlCompute wait for completion finished\n\nMinimum number of nodes requested have been provisioned\n", out.String())
	assert.Empty(t, c.ResumeToken(), "nothing pending after the wait")

	// Waiting again (no pending operation) only checks the nodes, as for a cluster from Get.
	out.Reset()
	require.NoError(t, c.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out}))
	assert.Equal(t, "Succeeded\nAmlCompute wait for completion finished\n\nMinimum number of nodes requested have been provisioned\n", out.String())

	st, err := c.ClusterStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, ProvisioningSucceeded, st.ProvisioningState)
	assert.Equal(t, "Steady", st.AllocationState)
	assert.Equal(t, ScaleSettings{MinNodes: 0, MaxNodes: 4, IdleSecondsBeforeScaledown: 1800}, st.ScaleSettings)
	require.NotNil(t, st.CurrentNodeCount)
	assert.Equal(t, 0, *st.CurrentNodeCount)
	s, err := c.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, ProvisioningSucceeded, s)
}

func TestBeginCreateBatchClusterResumeToken(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	f.srv.PollsBeforeDone = 3
	p, err := BeginCreateBatchCluster(ctx, f.ws, "gpu", &BatchClusterConfig{MaxNodes: 2, MinNodes: 1, VMPriority: "lowpriority"}, nil)
	require.NoError(t, err)
	tok, err := p.ResumeToken()
	require.NoError(t, err)

	// Another process resumes from the token alone.
	p2, err := BeginCreateBatchCluster(ctx, f.ws, "", nil, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	res, err := p2.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, "gpu", res.Name)
	assert.Equal(t, ProvisioningSucceeded, res.Status.ProvisioningState)
	assert.Equal(t, "LowPriority", res.Status.VMPriority)
	require.NotNil(t, res.Status.CurrentNodeCount)
	assert.Equal(t, 1, *res.Status.CurrentNodeCount)
}

func TestBatchClusterProvisioningFailure(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	f.srv.FailNextOperation("QuotaExceeded", "Operation results in exceeding quota limits of Core.")
	c, err := CreateBatchCluster(ctx, f.ws, "big", &BatchClusterConfig{VMSize: "STANDARD_NC24", MaxNodes: 100})
	require.NoError(t, err)
	var out strings.Builder
	err = c.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out})
	require.Error(t, err)
	assert.Equal(t, "InProgress.\nFailedProvisioning operation finished, operation \"Failed\"\n", out.String())
	assert.ErrorIs(t, err, ErrProvisioningFailed)
	var pe *ProvisioningError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Failed", pe.State)
	require.Len(t, pe.Errors, 1)
	assert.Equal(t, "QuotaExceeded", pe.Errors[0].Code)
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "QuotaExceeded", re.ErrorCode)
	assert.Contains(t, err.Error(), "compute: Compute object provisioning polling reached non-successful terminal state, current provisioning state: Failed")

	// The status surfaces the provisioning errors; waiting again reports the terminal state.
	st, err := c.ClusterStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, []ServiceError{{Code: "QuotaExceeded", Message: "Operation results in exceeding quota limits of Core."}}, st.ProvisioningErrors)
	out.Reset()
	err = c.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out})
	assert.ErrorIs(t, err, ErrProvisioningFailed)
	assert.Equal(t, "Failed\nAmlCompute wait for completion finished\n\nTerminal state of \"Failed\" has been reached\n\n"+
		"Provisioning errors: [{\"code\":\"QuotaExceeded\",\"message\":\"Operation results in exceeding quota limits of Core.\"}]\n\n", out.String())
}

func TestWaitForMinNodesAndTimeout(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	c, err := CreateBatchCluster(ctx, f.ws, "c1", &BatchClusterConfig{MinNodes: 1, MaxNodes: 3})
	require.NoError(t, err)
	require.NoError(t, c.WaitForCompletion(ctx, &WaitOptions{MinNodeCount: 1}))

	// The wait reports at least one poll before it times out only if its first status request
	// returns within the timeout: a timeout of seconds leaves room for a loaded machine, and a
	// slower poll keeps the requests few.
	provisioningPollInterval = 100 * time.Millisecond // restored by the fixture's cleanup
	var out strings.Builder
	err = c.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out, MinNodeCount: 3, Timeout: 3 * time.Second})
	assert.ErrorIs(t, err, ErrWaitTimeout)
	got := out.String()
	assert.True(t, strings.HasPrefix(got, "SucceededWaiting for cluster to scale. 1 out of 3 nodes ready.\n."), got)
	assert.True(t, strings.HasSuffix(got, "\nAmlCompute wait for completion finished\n\nWait timeout has been reached\n"+
		"Current provisioning state of AmlCompute is \"Succeeded\" and current node count is \"1\"\n"), got)

	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	err = c.WaitForCompletion(ctx2, &WaitOptions{MinNodeCount: 3})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestBatchClusterUpdateListNodesDelete(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	c, err := CreateBatchCluster(ctx, f.ws, "c2", &BatchClusterConfig{MaxNodes: 4})
	require.NoError(t, err)
	require.NoError(t, c.WaitForCompletion(ctx, nil))

	two, six := 2, 600
	require.NoError(t, c.Update(ctx, nil), "nothing to change")
	require.NoError(t, c.Update(ctx, &UpdateOptions{MinNodes: &two, IdleSecondsBeforeScaledown: &six}))
	assert.Empty(t, armfake.SemanticDiff([]byte(`{"properties":{"properties":{"scaleSettings":{"minNodeCount":2,"maxNodeCount":4,"nodeIdleTimeBeforeScaleDown":"PT10M"}}}}`),
		f.lastBody(t, http.MethodPatch, "/computes/c2")))
	st, err := c.ClusterStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, ScaleSettings{MinNodes: 2, MaxNodes: 4, IdleSecondsBeforeScaledown: 600}, st.ScaleSettings)
	assert.Equal(t, 2, *st.CurrentNodeCount)
	eight := 1
	err = c.Update(ctx, &UpdateOptions{MaxNodes: &eight})
	assert.ErrorIs(t, err, ErrInvalidProvisioningConfig)

	f.srv.PageSize = 1
	var nodes []Node
	for n, err := range c.ListNodes(ctx) {
		require.NoError(t, err)
		nodes = append(nodes, n)
	}
	require.Len(t, nodes, 2)
	assert.Equal(t, "idle", nodes[0].State)
	assert.Equal(t, 50001, nodes[1].Port)

	err = c.Detach(ctx)
	assert.ErrorIs(t, err, ErrUnsupported)
	assert.EqualError(t, err, "compute: not supported: Detach is not supported for AmlCompute object. Try to use delete instead.")

	require.NoError(t, c.Delete(ctx))
	var deletes []string
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodDelete {
			deletes = append(deletes, r.Query.Get("underlyingResourceAction"))
		}
	}
	assert.Equal(t, []string{"Delete"}, deletes)
	_, err = Get(ctx, f.ws, "c2")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.ErrorContains(t, err, "ComputeTargetNotFound: Compute Target with name c2 not found in provided workspace")
	var re *azcore.ResponseError
	assert.ErrorAs(t, err, &re)
}

func TestBatchClusterConfigValidation(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	cases := map[string]BatchClusterConfig{
		"Invalid provisioning configuration, max nodes count is mandatory":                                     {},
		"Invalid provisioning configuration, max nodes count must be greater than or equal to min nodes count": {MinNodes: 3, MaxNodes: 2},
		"Invalid user credentials, no password or key information provided.":                                   {MaxNodes: 1, AdminUsername: "u"},
		"Invalid user credentials, admin username must be provided":                                            {MaxNodes: 1, AdminUserPassword: "x"},
		"Invalid admin user password provided.":                                                                {MaxNodes: 1, AdminUsername: "u", AdminUserPassword: "weakpass"},
		"Invalid configuration, not all virtual net information provided.":                                     {MaxNodes: 1, VNetName: "v"},
		"Invalid configuration, identity_type must be set to 'UserAssigned' or 'SystemAssigned'.":              {MaxNodes: 1, IdentityType: "x"},
	}
	for msg, cfg := range cases {
		_, err := CreateBatchCluster(ctx, f.ws, "bad", &cfg)
		assert.ErrorIs(t, err, ErrInvalidProvisioningConfig, msg)
		assert.ErrorContains(t, err, msg)
	}
	for _, name := range ReservedNames {
		_, err := CreateBatchCluster(ctx, f.ws, name, &BatchClusterConfig{MaxNodes: 1})
		assert.ErrorIs(t, err, ErrReservedName)
		assert.ErrorContains(t, err, "Please specify a different target name. "+name+" is a reserved name.")
	}
	_, err := CreateBatchCluster(ctx, f.ws, "x", nil)
	assert.Error(t, err)
	assert.Empty(t, f.bodies(http.MethodPut, ""), "nothing was sent")

	local, err := workspace.Open(t.TempDir(), nil)
	require.NoError(t, err)
	defer local.Close()
	_, err = CreateBatchCluster(ctx, local, "x", &BatchClusterConfig{MaxNodes: 1})
	assert.ErrorIs(t, err, ErrRequiresAzureWorkspace)
}

func TestBatchClusterAdminSecretsOnlyInPut(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	c, err := CreateBatchCluster(ctx, f.ws, "sec", &BatchClusterConfig{MaxNodes: 1, AdminUsername: "azureuser",
		AdminUserPassword: "Sup3r$ecret!", VNetResourceGroup: "netrg", VNetName: "vnet", SubnetName: "default",
		Tags: map[string]string{"team": "ml"}, Description: "d", Location: "westus2", RemoteLoginPortPublicAccess: "Disabled",
		IdentityType: "UserAssigned", IdentityIDs: []string{"/id/1"}})
	require.NoError(t, err)
	assert.Empty(t, armfake.SemanticDiff([]byte(`{"location":"eastus","tags":{"team":"ml"},
		"identity":{"type":"UserAssigned","userAssignedIdentities":{"/id/1":{}}},
		"properties":{"computeType":"AmlCompute","computeLocation":"westus2","description":"d","properties":{
		"scaleSettings":{"minNodeCount":0,"maxNodeCount":1,"nodeIdleTimeBeforeScaleDown":"PT1800S"},
		"userAccountCredentials":{"adminUserName":"azureuser","adminUserPassword":"Sup3r$ecret!"},
		"subnet":{"id":"/subscriptions/sub-1/resourceGroups/netrg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"},
		"enableNodePublicIp":true,"remoteLoginPortPublicAccess":"Disabled"}}}`), f.lastBody(t, http.MethodPut, "/computes/sec")))
	require.NoError(t, c.WaitForCompletion(ctx, nil))
	_, err = Get(ctx, f.ws, "sec")
	require.NoError(t, err)
	f.assertSecretOnlyInPut(t, "Sup3r$ecret!")
	assert.False(t, errors.Is(err, ErrNotFound))
}

func TestWaitForCompletionRetriesThrottledPolls(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	f.srv.RetryAfter = "0" // azcore's own (short, in tests) back-off
	c, err := CreateBatchCluster(ctx, f.ws, "busy", &BatchClusterConfig{MaxNodes: 2})
	require.NoError(t, err)
	f.srv.Inject(http.MethodGet, "/computeOperationsStatus/op-1", http.StatusTooManyRequests, http.StatusServiceUnavailable)
	f.srv.Inject(http.MethodGet, "/computes/busy", http.StatusServiceUnavailable)
	var out strings.Builder
	require.NoError(t, c.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out}))
	assert.Contains(t, out.String(), "Provisioning operation finished, operation \"Succeeded\"")
}
