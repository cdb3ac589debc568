package arm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/arm/armfake"
)

func TestListComputeKeysOfVirtualMachine(t *testing.T) {
	ctx := context.Background()
	c, srv, id := newClients(t)
	srv.AddCompute(id, "vm1", []byte(`{"location":"eastus","properties":{"computeType":"VirtualMachine",
		"provisioningState":"Succeeded","isAttachedCompute":true,
		"properties":{"address":"10.0.0.4","sshPort":22,"administratorAccount":{"username":"azureuser"}}}}`))

	// Without keys set, listKeys answers the type and user name only.
	k, err := c.ListComputeKeys(ctx, rg, ws, "vm1")
	require.NoError(t, err)
	vm, ok := k.Secrets.(*armmachinelearning.VirtualMachineSecrets)
	require.True(t, ok, "%T", k.Secrets)
	require.NotNil(t, vm.AdministratorAccount)
	assert.Equal(t, "azureuser", *vm.AdministratorAccount.Username)
	assert.Nil(t, vm.AdministratorAccount.Password)
	assert.Empty(t, k.Passphrase)

	srv.SetComputeKeys(id, "vm1", []byte(`{"computeType":"VirtualMachine",
		"administratorAccount":{"username":"azureuser","privateKeyData":"PRIVATE-KEY-DATA","passphrase":"Vm-Pa55phrase!"}}`))
	k, err = c.ListComputeKeys(ctx, rg, ws, "vm1")
	require.NoError(t, err)
	vm = k.Secrets.(*armmachinelearning.VirtualMachineSecrets)
	assert.Equal(t, "PRIVATE-KEY-DATA", *vm.AdministratorAccount.PrivateKeyData)
	assert.Equal(t, "Vm-Pa55phrase!", k.Passphrase, "read from the response though the model lacks it")
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", *k, *k, *k, k)} {
		assert.NotContains(t, s, "Vm-Pa55phrase!")
		assert.NotContains(t, s, "PRIVATE-KEY-DATA")
	}

	// GET never carries the secret.
	res, err := c.Computes.Get(ctx, rg, ws, "vm1", nil)
	require.NoError(t, err)
	assert.Nil(t, res.Properties.(*armmachinelearning.VirtualMachine).Properties.AdministratorAccount.PrivateKeyData)

	_, err = c.ListComputeKeys(ctx, rg, ws, "missing")
	assert.True(t, arm.IsNotFound(err), "%v", err)
}

// An attach request carries the passphrase of an encrypted key in the administrator account,
// as azureml-core sends it; the rest of the body is the generated model's.
func TestSSHAttachSendsPassphrase(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := newClients(t)
	vm := &armmachinelearning.VirtualMachine{ComputeType: to.Ptr(armmachinelearning.ComputeTypeVirtualMachine),
		Properties: &armmachinelearning.VirtualMachineSchemaProperties{Address: to.Ptr("vm.example.org"), SSHPort: to.Ptr[int32](22),
			AdministratorAccount: &armmachinelearning.VirtualMachineSSHCredentials{Username: to.Ptr("azureuser"), PrivateKeyData: to.Ptr("KEY")}}}
	body := armmachinelearning.ComputeResource{Location: to.Ptr("eastus"), Properties: &arm.SSHAttach{Compute: vm, Passphrase: "phr4se!"}}
	p, err := arm.Begin[armmachinelearning.ComputeResource](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginCreateOrUpdate(ctx, rg, ws, "vm", body, nil)
		return err
	})
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, fast())
	require.NoError(t, err)
	var put []byte
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut {
			put = r.Body
		}
	}
	assert.Empty(t, armfake.SemanticDiff([]byte(`{"location":"eastus","properties":{"computeType":"VirtualMachine",
		"properties":{"address":"vm.example.org","sshPort":22,"administratorAccount":{"username":"azureuser","privateKeyData":"KEY","passphrase":"phr4se!"}}}}`), put))

	// Without a passphrase the body is the model's own encoding.
	plain, err := json.Marshal(vm)
	require.NoError(t, err)
	got, err := json.Marshal(&arm.SSHAttach{Compute: vm})
	require.NoError(t, err)
	assert.JSONEq(t, string(plain), string(got))
	a := &arm.SSHAttach{Compute: vm, Passphrase: "phr4se!"}
	assert.Equal(t, `SSHAttach(computeType="VirtualMachine")`, fmt.Sprintf("%v %#v", a, a)[:39])
	assert.NotContains(t, fmt.Sprintf("%v %#v %s", a, a, a), "phr4se!")
	_, err = json.Marshal(&arm.SSHAttach{Compute: &armmachinelearning.VirtualMachine{ComputeType: to.Ptr(armmachinelearning.ComputeTypeVirtualMachine)}, Passphrase: "x"})
	assert.Error(t, err, "a passphrase without an account")
}
