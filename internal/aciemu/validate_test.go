package aciemu_test

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/aciemu"
)

// TestValidation: requests ACI refuses are refused with its status, code and message, before
// anything runs.
func TestValidation(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name, group string
		change      func(*armcontainerinstance.ContainerGroup)
		status      int
		code, msg   string
	}{
		{"region", "g1", func(g *armcontainerinstance.ContainerGroup) { g.Location = to.Ptr("moon") }, 400, "LocationNotAvailableForResourceType",
			"The provided location 'moon' is not available for resource type 'Microsoft.ContainerInstance/containerGroups'. List of available regions for the resource type is 'australiaeast,"},
		{"cpu", "g2", func(g *armcontainerinstance.ContainerGroup) { res(g).CPU = to.Ptr(5.0) }, 409, "ServiceUnavailable",
			"The requested resource is not available in the location 'eastus' at this moment. Please retry with a different resource request or in another location. Resource requested: '5' CPU '1.5' GB memory 'Linux' OS"},
		{"memory", "g3", func(g *armcontainerinstance.ContainerGroup) { res(g).MemoryInGB = to.Ptr(16.5) }, 409, "ServiceUnavailable", "Resource requested: '1' CPU '16.5' GB memory"},
		{"os type", "g4", func(g *armcontainerinstance.ContainerGroup) { g.Properties.OSType = nil }, 400, "InvalidOsType",
			"is invalid. The value must be one of 'Windows,Linux'."},
		{"no requests", "g5", func(g *armcontainerinstance.ContainerGroup) { g.Properties.Containers[0].Properties.Resources = nil }, 400, "ResourceRequestsNotSpecified",
			"The resource requests are not specified in container 'trainer' of contain group 'g5'."},
		{"no memory", "g6", func(g *armcontainerinstance.ContainerGroup) { res(g).MemoryInGB = nil }, 400, "ResourceSomeRequestsNotSpecified",
			"The 'MemoryInGB' request is not specified in container 'trainer' of contain group 'g6'."},
		{"group name", "Run_1", func(*armcontainerinstance.ContainerGroup) {}, 400, "InvalidContainerGroupName",
			"The container group name 'Run_1' is invalid. The container group name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?'"},
		{"container name", "g10", func(g *armcontainerinstance.ContainerGroup) { g.Properties.Containers[0].Name = to.Ptr("Trainer") }, 400, "InvalidContainerName",
			"The container name 'Trainer' in container group 'g10' is invalid. The container name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name')."},
		{"limit below request", "g7", func(g *armcontainerinstance.ContainerGroup) {
			g.Properties.Containers[0].Properties.Resources.Limits = &armcontainerinstance.ResourceLimits{CPU: to.Ptr(0.5)}
		}, 400, "ResourceLimitsLessThanRequests", "The 'Cpu' limit value must be greater than or equal to the request value."},
		{"volumes", "g8", func(g *armcontainerinstance.ContainerGroup) {
			g.Properties.Volumes = []*armcontainerinstance.Volume{{Name: to.Ptr("v"), EmptyDir: map[string]any{}}}
		}, 400, "NotSupportedByEmulator", "properties.volumes"},
		{"restart policy", "g9", func(g *armcontainerinstance.ContainerGroup) {
			g.Properties.RestartPolicy = to.Ptr(armcontainerinstance.ContainerGroupRestartPolicyAlways)
		}, 400, "NotSupportedByEmulator", "restartPolicy 'Never' only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := f.group([]string{"true"}, 1, 1.5)
			tc.change(&g)
			_, err := f.groups.BeginCreateOrUpdate(ctx, rg, tc.group, g, nil)
			require.Error(t, err)
			assertCode(t, err, tc.status, tc.code)
			assert.Contains(t, err.Error(), tc.msg)
			assert.False(t, f.emu.Group(aciemu.GroupID(sub, rg, tc.group)).Exists, "nothing is created")
		})
	}
	// At the limits exactly: accepted.
	g := f.group([]string{"true"}, aciemu.DefaultMaxCPU, aciemu.DefaultMaxMemoryGB)
	_, err := f.create(t, "at-the-limit", g)
	require.NoError(t, err)
}

func res(g *armcontainerinstance.ContainerGroup) *armcontainerinstance.ResourceRequests {
	return g.Properties.Containers[0].Properties.Resources.Requests
}
