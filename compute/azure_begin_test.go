package compute

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/workspace"
)

func fastPoll() *runtime.PollUntilDoneOptions {
	return &runtime.PollUntilDoneOptions{Frequency: time.Millisecond}
}

// reopen opens the fixture's workspace again, as another process would: new clients, no
// memory of the operations started.
func (f *azureFixture) reopen(t *testing.T) *workspace.Workspace {
	t.Helper()
	id, err := workspace.ParseID(f.wsID)
	require.NoError(t, err)
	ws, err := workspace.Get(context.Background(), f.srv.Credential(), id,
		&workspace.GetOptions{ClientOptions: f.srv.ClientOptions(), Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

// tokenOf returns p's resume token, requiring the operation to be still running.
func tokenOf[T any](t *testing.T, p *runtime.Poller[T], err error) string {
	t.Helper()
	require.NoError(t, err)
	require.False(t, p.Done(), "the operation should still be running")
	tok, err := p.ResumeToken()
	require.NoError(t, err)
	return tok
}

// Every Begin form of a cluster's life returns a poller whose token another process resumes.
func TestBatchClusterBeginFormsResume(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	f.srv.PollsBeforeDone = 3
	other := f.reopen(t)

	p1, err := BeginCreateBatchCluster(ctx, f.ws, "cl", &BatchClusterConfig{MinNodes: 1, MaxNodes: 2}, nil)
	tok := tokenOf(t, p1, err)
	r2, err := BeginCreateBatchCluster(ctx, other, "", nil, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	res, err := r2.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	assert.Equal(t, "cl", res.Name)
	assert.Equal(t, ProvisioningSucceeded, res.Status.ProvisioningState)

	got, err := Get(ctx, f.ws, "cl")
	require.NoError(t, err)
	c := got.(*BatchCluster)
	three := 3
	p3, err := c.BeginUpdate(ctx, &UpdateOptions{MaxNodes: &three}, nil)
	tok = tokenOf(t, p3, err)
	otherC := mustGet[*BatchCluster](t, other, "cl")
	r4, err := otherC.BeginUpdate(ctx, nil, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	res, err = r4.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	assert.Equal(t, ScaleSettings{MinNodes: 1, MaxNodes: 3, IdleSecondsBeforeScaledown: 1800}, res.Status.ScaleSettings)
	_, err = c.BeginUpdate(ctx, nil, nil)
	assert.ErrorContains(t, err, "change no scale setting")

	p5, err := c.BeginDelete(ctx, nil)
	tok = tokenOf(t, p5, err)
	r6, err := otherC.BeginDelete(ctx, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	_, err = r6.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	_, err = Get(ctx, f.ws, "cl")
	assert.ErrorIs(t, err, ErrNotFound)

	// A token resumes only its kind of operation.
	_, err = BeginCreateBatchCluster(ctx, other, "", nil, &BeginOptions{ResumeToken: tok})
	assert.ErrorContains(t, err, "compute: resuming cluster creation")
}

func TestDSVMBeginFormsResume(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	f.srv.PollsBeforeDone = 3
	other := f.reopen(t)

	p7, err := BeginCreateDSVM(ctx, f.ws, "vm", &DSVMProvisioningConfig{VMSize: "Standard_D2_v2"}, nil)
	tok := tokenOf(t, p7, err)
	r8, err := BeginCreateDSVM(ctx, other, "", nil, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	res, err := r8.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	assert.Equal(t, TargetResult{Name: "vm", ID: f.wsID + "/computes/vm", Type: TypeVirtualMachine, ProvisioningState: ProvisioningSucceeded,
		Address: "20.30.40.50", SSHPort: 22, VMSize: "Standard_D2_v2"}, res)
	created := mustGet[*DSVM](t, f.ws, "vm")
	_, err = created.BeginDetach(ctx, nil)
	assert.ErrorIs(t, err, ErrUnsupported)
	p9, err := created.BeginDelete(ctx, nil)
	tok = tokenOf(t, p9, err)
	r10, err := mustGet[*DSVM](t, other, "vm").BeginDelete(ctx, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	_, err = r10.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	_, err = Get(ctx, f.ws, "vm")
	assert.ErrorIs(t, err, ErrNotFound)

	// Attach: the password goes into the PUT body only, never into the token.
	pa, err := BeginAttachRemote(ctx, f.ws, "att", &RemoteAttachConfig{Address: "vm.example.org", SSHPort: 2222,
		Username: "azureuser", Password: "Pa55word!x"}, nil)
	tok = tokenOf(t, pa, err)
	assert.NotContains(t, tok, "Pa55word!x")
	r11, err := BeginAttachRemote(ctx, other, "", nil, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	res, err = r11.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	assert.True(t, res.Attached)
	assert.Equal(t, "vm.example.org", res.Address)
	assert.Equal(t, 2222, res.SSHPort)
	f.assertSecretOnlyInPut(t, "Pa55word!x")
	att := mustGet[*DSVM](t, f.ws, "att")
	assert.True(t, att.IsAttached())
	_, err = att.BeginDelete(ctx, nil)
	assert.ErrorIs(t, err, ErrUnsupported)
	p12, err := att.BeginDetach(ctx, nil)
	tok = tokenOf(t, p12, err)
	r13, err := mustGet[*DSVM](t, other, "att").BeginDetach(ctx, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	_, err = r13.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	_, err = Get(ctx, f.ws, "att")
	assert.ErrorIs(t, err, ErrNotFound)

	_, err = BeginAttachRemote(ctx, f.ws, "bad", &RemoteAttachConfig{Address: "a", Username: "u"}, nil)
	assert.ErrorIs(t, err, ErrInvalidAttachConfig)
	_, err = BeginAttachRemote(ctx, f.ws, "local", &RemoteAttachConfig{Address: "a", Username: "u", Password: "p"}, nil)
	assert.ErrorIs(t, err, ErrReservedName)
}

func TestHDInsightAndAzureTargetBeginFormsResume(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	f.srv.PollsBeforeDone = 3
	other := f.reopen(t)

	ph, err := BeginAttachHDInsight(ctx, f.ws, "hdi", &HDInsightAttachConfig{ResourceGroup: "hdirg", ClusterName: "spark1",
		Username: "sshuser", Password: "Hdi$ecret1"}, nil)
	tok := tokenOf(t, ph, err)
	assert.NotContains(t, tok, "Hdi$ecret1")
	r14, err := BeginAttachHDInsight(ctx, other, "", nil, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	res, err := r14.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	assert.Equal(t, TypeHDInsight, res.Type)
	assert.Equal(t, "spark1-ssh.azurehdinsight.net", res.Address)
	assert.Equal(t, "/subscriptions/sub-1/resourceGroups/hdirg/providers/Microsoft.HDInsight/clusters/spark1", res.ResourceID)
	f.assertSecretOnlyInPut(t, "Hdi$ecret1")
	p15, err := mustGet[*HDInsight](t, f.ws, "hdi").BeginDetach(ctx, nil)
	tok = tokenOf(t, p15, err)
	r16, err := mustGet[*HDInsight](t, other, "hdi").BeginDetach(ctx, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	_, err = r16.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	_, err = Get(ctx, f.ws, "hdi")
	assert.ErrorIs(t, err, ErrNotFound)

	f.srv.AddCompute(f.wsID, "aks", []byte(`{"location":"eastus","properties":{"computeType":"AKS","provisioningState":"Succeeded","isAttachedCompute":false}}`))
	aks := mustGet[*AzureTarget](t, f.ws, "aks")
	p17, err := aks.BeginDelete(ctx, nil)
	tok = tokenOf(t, p17, err)
	r18, err := mustGet[*AzureTarget](t, other, "aks").BeginDelete(ctx, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	_, err = r18.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	f.srv.AddCompute(f.wsID, "k8s", []byte(`{"location":"eastus","properties":{"computeType":"Kubernetes","provisioningState":"Succeeded","isAttachedCompute":true}}`))
	k8s := mustGet[*AzureTarget](t, f.ws, "k8s")
	_, err = k8s.BeginDelete(ctx, nil)
	assert.ErrorIs(t, err, ErrUnsupported)
	p19, err := k8s.BeginDetach(ctx, nil)
	tok = tokenOf(t, p19, err)
	r20, err := mustGet[*AzureTarget](t, other, "k8s").BeginDetach(ctx, &BeginOptions{ResumeToken: tok})
	require.NoError(t, err)
	_, err = r20.PollUntilDone(ctx, fastPoll())
	require.NoError(t, err)
	var actions []string
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodDelete {
			actions = append(actions, r.Query.Get("underlyingResourceAction"))
		}
	}
	assert.Equal(t, []string{"Detach", "Delete", "Detach"}, actions)
}

// A failed operation is the poller's *azcore.ResponseError; the blocking form's is a
// *ProvisioningError wrapping it.
func TestBeginFormFailureIsResponseError(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	f.srv.FailNextOperation("VMSizeNotAvailable", "The VM size is not available in this region.")
	p, err := BeginCreateDSVM(ctx, f.ws, "bad", &DSVMProvisioningConfig{VMSize: "Huge"}, nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, fastPoll())
	var re *azcore.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "VMSizeNotAvailable", re.ErrorCode)

	// A request the service refuses fails Begin itself.
	f.srv.Inject(http.MethodPut, "/computes/refused", http.StatusForbidden)
	_, err = BeginCreateBatchCluster(ctx, f.ws, "refused", &BatchClusterConfig{MaxNodes: 1}, nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusForbidden, re.StatusCode)
	assert.True(t, strings.HasPrefix(err.Error(), "compute: creating AmlCompute \"refused\": "), err.Error())
}

// The service makes attaching and creating long-running only on Azure workspaces.
func TestBeginFormsNeedAnAzureWorkspace(t *testing.T) {
	ctx := context.Background()
	local, err := workspace.Open(t.TempDir(), nil)
	require.NoError(t, err)
	defer local.Close()
	_, err = BeginAttachRemote(ctx, local, "vm", &RemoteAttachConfig{Address: "a", Username: "u", Password: "p"}, nil)
	assert.ErrorIs(t, err, ErrRequiresAzureWorkspace)
	assert.ErrorContains(t, err, "AttachRemote")
	_, err = BeginCreateDSVM(ctx, local, "vm", nil, nil)
	assert.ErrorIs(t, err, ErrRequiresAzureWorkspace)
	_, err = BeginAttachHDInsight(ctx, local, "hdi", &HDInsightAttachConfig{}, nil)
	assert.ErrorIs(t, err, ErrRequiresAzureWorkspace)
	_, err = BeginCreateBatchCluster(ctx, local, "c", &BatchClusterConfig{MaxNodes: 1}, nil)
	assert.ErrorIs(t, err, ErrRequiresAzureWorkspace)
	d := newDSVM(local, "vm", RemoteAttachConfig{Address: "a", Username: "u"}, nil)
	_, err = d.BeginDetach(ctx, nil)
	assert.ErrorIs(t, err, ErrRequiresAzureWorkspace)
	_, err = d.BeginDelete(ctx, nil)
	assert.ErrorIs(t, err, ErrUnsupported)
}

func mustGet[T ComputeTarget](t *testing.T, ws *workspace.Workspace, name string) T {
	t.Helper()
	got, err := Get(context.Background(), ws, name)
	require.NoError(t, err)
	v, ok := got.(T)
	require.True(t, ok, "%s is a %T", name, got)
	return v
}
