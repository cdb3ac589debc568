package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
)

func TestGetAndListDispatchByComputeType(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	add := func(name, body string) { f.srv.AddCompute(f.wsID, name, []byte(body)) }
	add("cpu", `{"location":"eastus","properties":{"computeType":"AmlCompute","provisioningState":"Succeeded","properties":{"vmSize":"STANDARD_D2_V2","scaleSettings":{"maxNodeCount":4,"minNodeCount":0,"nodeIdleTimeBeforeScaleDown":"PT30M"},"currentNodeCount":0}}}`)
	add("created-vm", `{"location":"eastus","properties":{"computeType":"VirtualMachine","provisioningState":"Succeeded","isAttachedCompute":false,"properties":{"virtualMachineSize":"Standard_DS3_v2","sshPort":22,"address":"1.2.3.4"}}}`)
	add("attached-vm", `{"location":"eastus","properties":{"computeType":"VirtualMachine","provisioningState":"Succeeded","isAttachedCompute":true,"properties":{"sshPort":2222,"address":"vm.example.org","administratorAccount":{"username":"azureuser"}}}}`)
	add("hdi", `{"location":"eastus","properties":{"computeType":"HDInsight","provisioningState":"Succeeded","isAttachedCompute":true,"resourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.HDInsight/clusters/hdi","properties":{"sshPort":22,"address":"hdi-ssh.azurehdinsight.net"}}}`)
	add("aks", `{"location":"eastus","properties":{"computeType":"AKS","provisioningState":"Succeeded","isAttachedCompute":true}}`)

	tgt, err := Get(ctx, f.ws, "cpu")
	require.NoError(t, err)
	require.IsType(t, &BatchCluster{}, tgt)
	assert.Equal(t, TypeAmlCompute, tgt.Type())

	tgt, err = Get(ctx, f.ws, "created-vm")
	require.NoError(t, err)
	d := tgt.(*DSVM)
	assert.False(t, d.IsAttached())
	addr, port := d.Address()
	assert.Equal(t, "1.2.3.4", addr)
	assert.Equal(t, 22, port)
	err = d.Detach(ctx)
	assert.EqualError(t, err, "compute: not supported: Detach is not supported for DSVM object. Try to use delete instead.")
	st, err := d.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, ProvisioningSucceeded, st)

	tgt, err = Get(ctx, f.ws, "attached-vm")
	require.NoError(t, err)
	d = tgt.(*DSVM)
	assert.True(t, d.IsAttached())
	assert.Equal(t, "azureuser", d.cfg.Username)
	err = d.Delete(ctx)
	assert.EqualError(t, err, "compute: not supported: Delete is not supported for RemoteCompute object. Try to use detach instead.")

	tgt, err = Get(ctx, f.ws, "hdi")
	require.NoError(t, err)
	h := tgt.(*HDInsight)
	addr, _ = h.Address()
	assert.Equal(t, "hdi-ssh.azurehdinsight.net", addr)

	tgt, err = Get(ctx, f.ws, "aks")
	require.NoError(t, err)
	g := tgt.(*AzureTarget)
	assert.Equal(t, Type("AKS"), g.Type())
	assert.True(t, g.IsAttached())
	_, err = g.Start(ctx, &Job{})
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.ErrorIs(t, err, ErrUnsupported)
	assert.ErrorIs(t, g.Delete(ctx), ErrUnsupported)
	s, err := g.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, ProvisioningSucceeded, s)

	f.srv.PageSize = 2 // List follows nextLink
	all, err := List(ctx, f.ws)
	require.NoError(t, err)
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	assert.ElementsMatch(t, []string{"local", "cpu", "created-vm", "attached-vm", "hdi", "aks"}, names)

	_, err = Get(ctx, f.ws, "missing")
	assert.ErrorIs(t, err, ErrNotFound)
	var re *azcore.ResponseError
	assert.ErrorAs(t, err, &re)

	require.NoError(t, g.Detach(ctx))
	_, err = Get(ctx, f.ws, "aks")
	assert.ErrorIs(t, err, ErrNotFound)

	// Service failures are *azcore.ResponseError, wrapped.
	f.srv.Inject(http.MethodGet, "/computes", http.StatusForbidden)
	_, err = List(ctx, f.ws)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusForbidden, re.StatusCode)
}

func TestContainerInstanceTarget(t *testing.T) {
	ctx := context.Background()
	f := newAzureFixture(t, "sub-1", "rg-1", "ws1", "westeurope")
	tgt, err := Get(ctx, f.ws, "containerinstance")
	require.NoError(t, err)
	aci := tgt.(*ContainerInstance)
	assert.Equal(t, "containerinstance", aci.Name())
	assert.Equal(t, TypeContainerInstance, aci.Type())
	assert.Equal(t, runconfig.ContainerInstanceConfiguration{Region: "westeurope", CPUCores: 1, MemoryGB: 1.5}, aci.Config(nil))
	rc := runconfig.New()
	rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{CPUCores: 4}
	assert.Equal(t, runconfig.ContainerInstanceConfiguration{Region: "westeurope", CPUCores: 4, MemoryGB: 1.5}, aci.Config(rc))
	_, err = aci.Start(ctx, &Job{})
	assert.EqualError(t, err, `compute: invalid run id ""`)
	s, err := aci.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, ProvisioningSucceeded, s)
	assert.Empty(t, f.srv.Requests()[1:], "no service call for the ACI target")
}

func TestCreateDSVMAndDelete(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	d, err := CreateDSVM(ctx, f.ws, "mydsvm", &DSVMProvisioningConfig{VMSize: "Standard_D2_v2"})
	require.NoError(t, err)
	assert.Empty(t, armfake.SemanticDiff([]byte(`{"location":"eastus","properties":{"computeType":"VirtualMachine","computeLocation":"eastus",
		"properties":{"virtualMachineSize":"Standard_D2_v2","sshPort":22}}}`), f.lastBody(t, http.MethodPut, "/computes/mydsvm")))
	assert.False(t, d.IsAttached())
	addr, port := d.Address()
	assert.Equal(t, "20.30.40.50", addr)
	assert.Equal(t, 22, port)
	require.NoError(t, d.Delete(ctx))
	_, err = Get(ctx, f.ws, "mydsvm")
	assert.ErrorIs(t, err, ErrNotFound)

	_, err = CreateDSVM(ctx, f.ws, "local", nil)
	assert.ErrorIs(t, err, ErrReservedName)

	f.srv.FailNextOperation("VMSizeNotAvailable", "The VM size is not available in this region.")
	_, err = CreateDSVM(ctx, f.ws, "bad", &DSVMProvisioningConfig{VMSize: "Huge", SSHPort: 2222, Location: "westus"})
	var pe *ProvisioningError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, []ServiceError{{Code: "VMSizeNotAvailable", Message: "The VM size is not available in this region."}}, pe.Errors)
	var re *azcore.ResponseError
	assert.ErrorAs(t, err, &re)
}

func TestAttachRemoteOnAzureWorkspace(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	d, err := AttachRemote(ctx, f.ws, "attach-dsvm", &RemoteAttachConfig{Address: "vm.example.org", SSHPort: 22,
		Username: "azureuser", Password: "Pa55word!x"})
	require.NoError(t, err)
	require.NotNil(t, d.azure)
	assert.True(t, d.IsAttached())
	assert.Empty(t, armfake.SemanticDiff([]byte(`{"location":"eastus","properties":{"computeType":"VirtualMachine",
		"properties":{"address":"vm.example.org","sshPort":22,"administratorAccount":{"username":"azureuser","password":"Pa55word!x"}}}}`),
		f.lastBody(t, http.MethodPut, "/computes/attach-dsvm")))
	f.assertSecretOnlyInPut(t, "Pa55word!x")
	assert.NotContains(t, d.azure.id, "Pa55word")
	got, err := Get(ctx, f.ws, "attach-dsvm")
	require.NoError(t, err)
	assert.True(t, got.(*DSVM).IsAttached())
	require.NoError(t, d.Detach(ctx))
	_, err = Get(ctx, f.ws, "attach-dsvm")
	assert.ErrorIs(t, err, ErrNotFound)

	// A private key goes into the PUT body only, by resource id.
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END OPENSSH PRIVATE KEY-----\n"
	keyFile := filepath.Join(t.TempDir(), "id")
	require.NoError(t, os.WriteFile(keyFile, []byte(key), 0o600))
	rid := "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm1"
	d, err = AttachRemote(ctx, f.ws, "by-id", &RemoteAttachConfig{ResourceID: rid, Username: "azureuser", PrivateKeyFile: keyFile})
	require.NoError(t, err)
	addr, _ := d.Address()
	assert.Equal(t, "20.30.40.50", addr, "the service's address of the VM")
	f.assertSecretOnlyInPut(t, key)

	for msg, cfg := range map[string]RemoteAttachConfig{
		"Error, missing address/resource_id.":                                     {Username: "u", Password: "p"},
		"Error, no username provided.":                                            {Address: "a", Password: "p"},
		"Error, no password or key information provided.":                         {Address: "a", Username: "u"},
		"Invalid attach information, both password and key information provided.": {Address: "a", Username: "u", Password: "p", PrivateKeyFile: keyFile},
		"UseAgent cannot be sent to the service":                                  {Address: "a", Username: "u", UseAgent: true},
	} {
		_, err := AttachRemote(ctx, f.ws, "bad", &cfg)
		assert.ErrorIs(t, err, ErrInvalidAttachConfig, msg)
		assert.ErrorContains(t, err, msg)
	}
	_, err = AttachRemote(ctx, f.ws, "amlcompute", &RemoteAttachConfig{Address: "a", Username: "u", Password: "p"})
	assert.ErrorIs(t, err, ErrReservedName)
}

func TestAttachHDInsight(t *testing.T) {
	ctx := context.Background()
	f := defaultFixture(t)
	h, err := AttachHDInsight(ctx, f.ws, "myhdi", &HDInsightAttachConfig{ResourceGroup: "hdirg", ClusterName: "spark1",
		Username: "sshuser", Password: "Hdi$ecret1"})
	require.NoError(t, err)
	assert.Empty(t, armfake.SemanticDiff([]byte(`{"location":"eastus","properties":{"computeType":"HDInsight",
		"resourceId":"/subscriptions/sub-1/resourceGroups/hdirg/providers/Microsoft.HDInsight/clusters/spark1",
		"properties":{"address":"spark1-ssh.azurehdinsight.net","sshPort":22,"administratorAccount":{"username":"sshuser","password":"Hdi$ecret1"}}}}`),
		f.lastBody(t, http.MethodPut, "/computes/myhdi")))
	f.assertSecretOnlyInPut(t, "Hdi$ecret1")
	assert.Equal(t, TypeHDInsight, h.Type())
	assert.Equal(t, "/subscriptions/sub-1/resourceGroups/hdirg/providers/Microsoft.HDInsight/clusters/spark1", h.ResourceID())
	s, err := h.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, ProvisioningSucceeded, s)
	rc := runconfig.New()
	rc.Framework, rc.Script = "PySpark", "train.py"
	_, err = h.Start(ctx, &Job{RunID: "r1", RunConfig: rc, Snapshot: &snapshot.Snapshot{},
		OpenFile: func(snapshot.File) (io.ReadCloser, error) { return nil, os.ErrNotExist }})
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.ErrorContains(t, err, `HDInsight target "myhdi" of an Azure workspace has no SSH settings in amlgo`)
	assert.EqualError(t, h.Delete(ctx), "compute: not supported: Delete is not supported for HDICompute object. Try to use detach instead.")
	require.NoError(t, h.Detach(ctx))
	var action string
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodDelete {
			action = r.Query.Get("underlyingResourceAction")
		}
	}
	assert.Equal(t, "Detach", action)

	_, err = AttachHDInsight(ctx, f.ws, "containerinstance", &HDInsightAttachConfig{Address: "a", Username: "u", Password: "p"})
	assert.ErrorIs(t, err, ErrReservedName)
	_, err = AttachHDInsight(ctx, f.ws, "x", &HDInsightAttachConfig{Address: "a", Username: "u"})
	assert.ErrorIs(t, err, ErrInvalidAttachConfig)
}

func TestConfigsNeverShowSecrets(t *testing.T) {
	b := BatchClusterConfig{MaxNodes: 1, AdminUsername: "u", AdminUserPassword: "Pw!12345", AdminUserSSHKey: "ssh-rsa KEYDATA"}
	h := HDInsightAttachConfig{Username: "u", Password: "Pw!12345", PrivateKeyPassphrase: "phrase"}
	for _, s := range []string{fmt.Sprint(b), fmt.Sprintf("%+v", b), fmt.Sprintf("%#v", b), fmt.Sprint(h), fmt.Sprintf("%#v", &h)} {
		assert.NotContains(t, s, "Pw!12345")
		assert.NotContains(t, s, "KEYDATA")
		assert.NotContains(t, s, "phrase")
	}
	for _, v := range []any{b, h} {
		j, err := json.Marshal(v)
		require.NoError(t, err)
		assert.NotContains(t, string(j), "Pw!12345")
		assert.NotContains(t, string(j), "phrase")
	}
}
