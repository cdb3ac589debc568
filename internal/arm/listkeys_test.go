package arm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm"
)

func TestListComputeKeysOfVirtualMachine(t *testing.T) {
	ctx := context.Background()
	c, srv, id := newClient(t)
	srv.AddCompute(id.String(), "vm1", []byte(`{"location":"eastus","properties":{"computeType":"VirtualMachine",
		"provisioningState":"Succeeded","isAttachedCompute":true,
		"properties":{"address":"10.0.0.4","sshPort":22,"administratorAccount":{"username":"azureuser"}}}}`))

	// Without keys set, listKeys answers the type and user name only.
	s, err := c.ListComputeKeys(ctx, id, "vm1")
	require.NoError(t, err)
	assert.Equal(t, "VirtualMachine", s.ComputeType)
	require.NotNil(t, s.AdministratorAccount)
	assert.Equal(t, "azureuser", s.AdministratorAccount.Username)
	assert.Empty(t, s.AdministratorAccount.Password)

	srv.SetComputeKeys(id.String(), "vm1", []byte(`{"computeType":"VirtualMachine",
		"administratorAccount":{"username":"azureuser","password":"Vm-Pa55word!"}}`))
	s, err = c.ListComputeKeys(ctx, id, "vm1")
	require.NoError(t, err)
	assert.Equal(t, "Vm-Pa55word!", s.AdministratorAccount.Password)
	assert.NotContains(t, fmt.Sprintf("%v %s %v", s, s, *s.AdministratorAccount), "Vm-Pa55word!")

	// GET never carries the secret.
	res, err := c.GetCompute(ctx, id, "vm1")
	require.NoError(t, err)
	vm, err := res.Properties.VirtualMachine()
	require.NoError(t, err)
	assert.Empty(t, vm.AdministratorAccount.Password)

	_, err = c.ListComputeKeys(ctx, id, "missing")
	assert.True(t, arm.IsNotFound(err), "%v", err)
}
