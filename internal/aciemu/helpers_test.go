package aciemu_test

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/aciemu"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
)

const (
	sub = "00000000-0000-0000-0000-0000000000a1"
	rg  = "rg-aci"
)

// azruntimePoll polls operations quickly (tests may poll faster than once a second).
var azruntimePoll = runtime.PollUntilDoneOptions{Frequency: 50 * time.Millisecond}

// fixture is an emulator on a fake Resource Manager with the generated clients.
type fixture struct {
	env        *dockertest.Env
	srv        *armfake.Server
	emu        *aciemu.Emulator
	eng        *dockerexec.Engine
	groups     *armcontainerinstance.ContainerGroupsClient
	containers *armcontainerinstance.ContainersClient
}

// newFixture needs the shared Docker test environment (skips, or fails under
// AMLGO_REQUIRE_INTEGRATION=1, without it).
func newFixture(t *testing.T, opts *aciemu.Options) *fixture {
	t.Helper()
	env := dockertest.Require(t)
	eng, err := dockerexec.Connect(context.Background(), &dockerexec.ConnectOptions{Host: env.Host})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	srv := armfake.New(t)
	o := aciemu.Options{}
	if opts != nil {
		o = *opts
	}
	o.Docker = eng
	o.Registry = &aciemu.Registry{Address: env.Registry, Username: env.RegistryUser, Password: env.RegistryPassword}
	emu, err := aciemu.New(srv, o)
	require.NoError(t, err)
	t.Cleanup(emu.Close)
	f, err := armcontainerinstance.NewClientFactory(sub, srv.Credential(), srv.ClientOptions())
	require.NoError(t, err)
	return &fixture{env: env, srv: srv, emu: emu, eng: eng, groups: f.NewContainerGroupsClient(), containers: f.NewContainersClient()}
}

// group is a one-container group running the registry's Python image (pulled with the
// registry's credentials) with command.
func (f *fixture) group(command []string, cpu, memGB float64) armcontainerinstance.ContainerGroup {
	return armcontainerinstance.ContainerGroup{
		Location: to.Ptr("eastus"),
		Properties: &armcontainerinstance.ContainerGroupPropertiesProperties{
			OSType:        to.Ptr(armcontainerinstance.OperatingSystemTypesLinux),
			RestartPolicy: to.Ptr(armcontainerinstance.ContainerGroupRestartPolicyNever),
			Containers: []*armcontainerinstance.Container{{
				Name: to.Ptr("trainer"),
				Properties: &armcontainerinstance.ContainerProperties{
					Image:   to.Ptr(f.env.RegistryImage),
					Command: to.SliceOfPtrs(command...),
					Resources: &armcontainerinstance.ResourceRequirements{Requests: &armcontainerinstance.ResourceRequests{
						CPU: to.Ptr(cpu), MemoryInGB: to.Ptr(memGB)}},
				},
			}},
			ImageRegistryCredentials: []*armcontainerinstance.ImageRegistryCredential{{
				Server: to.Ptr(f.env.Registry), Username: to.Ptr(f.env.RegistryUser), Password: to.Ptr(f.env.RegistryPassword)}},
		},
	}
}

// create creates the group and waits for the create operation's end.
func (f *fixture) create(t *testing.T, name string, g armcontainerinstance.ContainerGroup) (armcontainerinstance.ContainerGroupsClientCreateOrUpdateResponse, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, err := f.groups.BeginCreateOrUpdate(ctx, rg, name, g, nil)
	require.NoError(t, err)
	return p.PollUntilDone(ctx, &azruntimePoll)
}

// waitState waits until the group's instance view state is one of states.
func (f *fixture) waitState(t *testing.T, name string, states ...string) aciemu.GroupView {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	v, err := f.emu.WaitGroup(ctx, aciemu.GroupID(sub, rg, name), func(v aciemu.GroupView) bool {
		for _, s := range states {
			if v.State == s {
				return true
			}
		}
		return false
	})
	require.NoError(t, err)
	return v
}

// get is ContainerGroups_Get.
func (f *fixture) get(t *testing.T, name string) armcontainerinstance.ContainerGroup {
	t.Helper()
	res, err := f.groups.Get(context.Background(), rg, name, nil)
	require.NoError(t, err)
	return res.ContainerGroup
}

// dockerexecSpec is a container labelled as an emulator's whose owner process is gone.
func dockerexecSpec(name, image string) dockerexec.ContainerSpec {
	return dockerexec.ContainerSpec{Name: name, Image: image, Cmd: []string{"true"},
		Labels: map[string]string{aciemu.LabelEmulator: "gone", aciemu.LabelOwner: "999999999"}}
}
