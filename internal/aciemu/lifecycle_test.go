package aciemu_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/aciemu"
)

var armTail3 = armcontainerinstance.ContainersClientListLogsOptions{Tail: to.Ptr[int32](3)}

// sleeper runs until it is stopped.
var sleeper = []string{"python3", "-c", "import time\nprint('started', flush=True)\nwhile True: time.sleep(1)"}

// TestDeleteRemovesTheContainers: deleting a running group (an LRO) stops and removes its
// engine container, then the group: GET answers 404 and a second delete 204.
func TestDeleteRemovesTheContainers(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	_, err := f.create(t, "run-delete", f.group(sleeper, 0.5, 0.5))
	require.NoError(t, err)
	f.waitState(t, "run-delete", "Running")
	id := aciemu.GroupID(sub, rg, "run-delete")
	names, err := f.emu.EngineContainers(ctx, id)
	require.NoError(t, err)
	require.Len(t, names, 1)
	st, err := f.eng.Inspect(ctx, names[0])
	require.NoError(t, err)
	assert.True(t, st.Running)

	p, err := f.groups.BeginDelete(ctx, rg, "run-delete", nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, &azruntimePoll)
	require.NoError(t, err)
	names, err = f.emu.EngineContainers(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, names, "the engine container is removed")
	_, err = f.groups.Get(ctx, rg, "run-delete", nil)
	assertCode(t, err, 404, "ResourceNotFound")
	p, err = f.groups.BeginDelete(ctx, rg, "run-delete", nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, &azruntimePoll)
	require.NoError(t, err, "deleting a group that does not exist answers 204")
}

// TestStop: stopping a running group kills its container (Killing event, Terminated) and the
// group's state becomes Stopped; its logs stay readable until it is deleted (whether the
// script printed before it was killed is a race, hence the prefix).
func TestStop(t *testing.T) {
	f := newFixture(t, &aciemu.Options{StopGrace: 200e6})
	ctx := context.Background()
	_, err := f.create(t, "run-stop", f.group(sleeper, 0.5, 0.5))
	require.NoError(t, err)
	f.waitState(t, "run-stop", "Running")
	_, err = f.groups.Stop(ctx, rg, "run-stop", nil)
	require.NoError(t, err)
	got := f.get(t, "run-stop")
	assert.Equal(t, "Stopped", *got.Properties.InstanceView.State)
	iv := got.Properties.Containers[0].Properties.InstanceView
	assert.Equal(t, "Terminated", *iv.CurrentState.State)
	last := iv.Events[len(iv.Events)-1]
	assert.Equal(t, "Killing", *last.Name)
	logs, err := f.containers.ListLogs(ctx, rg, "run-stop", "trainer", nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix("started\n", *logs.Content), "logs: %q", *logs.Content)
	_, err = f.groups.Stop(ctx, rg, "no-such-group", nil)
	assertCode(t, err, 404, "ResourceNotFound")
}

// TestLogsKeepTheLast4MB: like ACI, the log API returns only the last 4 MB of a container's
// output, and with tail the last lines.
func TestLogsKeepTheLast4MB(t *testing.T) {
	f := newFixture(t, nil)
	// 6 MB of numbered 100-byte lines.
	script := "import sys\nfor i in range(60000): sys.stdout.write('%099d\\n' % i)\n"
	_, err := f.create(t, "run-logs", f.group([]string{"python3", "-c", script}, 1, 1))
	require.NoError(t, err)
	f.waitState(t, "run-logs", "Succeeded", "Failed")
	logs, err := f.containers.ListLogs(context.Background(), rg, "run-logs", "trainer", nil)
	require.NoError(t, err)
	content := *logs.Content
	assert.Equal(t, aciemu.DefaultLogLimit, len(content))
	assert.True(t, strings.HasSuffix(content, strings.Repeat("0", 94)+"59999\n"), "ends with the last line")
	assert.False(t, strings.Contains(content, strings.Repeat("0", 99)+"\n"), "the first line is cut off")
	logs, err = f.containers.ListLogs(context.Background(), rg, "run-logs", "trainer", &armTail3)
	require.NoError(t, err)
	assert.Equal(t, 300, len(*logs.Content))
	logs, err = f.containers.ListLogs(context.Background(), rg, "run-logs", "trainer", &armcontainerinstance.ContainersClientListLogsOptions{Tail: to.Ptr[int32](0)})
	require.NoError(t, err)
	assert.Empty(t, *logs.Content, "tail=0: no lines")
	f.emu.SetLogLimit(1000)
	logs, err = f.containers.ListLogs(context.Background(), rg, "run-logs", "trainer", nil)
	require.NoError(t, err)
	assert.Equal(t, 1000, len(*logs.Content), "a smaller limit for tests")
}

// TestUpdates follows ACI's update rules: a PUT while the group is being created answers 409
// ContainerGroupTransitioning; one that changes a property that cannot be updated (location,
// resources) 409 ContainerGroupUpdateNotAllowed; one on a running group restarts it with the
// new properties (200); one on a group that has terminated 409 ContainerGroupTerminated.
func TestUpdates(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := aciemu.GroupID(sub, rg, "run-update")
	release := f.emu.HoldCreation(id)
	g := f.group(sleeper, 1, 1)
	p, err := f.groups.BeginCreateOrUpdate(ctx, rg, "run-update", g, nil)
	require.NoError(t, err)
	got := f.get(t, "run-update")
	assert.Equal(t, "Pending", *got.Properties.ProvisioningState)
	assert.Equal(t, "Pending", *got.Properties.InstanceView.State)
	_, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-update", g, nil)
	assertCode(t, err, 409, "ContainerGroupTransitioning")
	release()
	_, err = p.PollUntilDone(ctx, &azruntimePoll)
	require.NoError(t, err)
	f.waitState(t, "run-update", "Running")

	moved := f.group(sleeper, 1, 1)
	moved.Location = to.Ptr("westeurope")
	_, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-update", moved, nil)
	assertCode(t, err, 409, "ContainerGroupUpdateNotAllowed")
	_, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-update", f.group(sleeper, 0.5, 1), nil)
	assertCode(t, err, 409, "ContainerGroupUpdateNotAllowed")

	second := f.group([]string{"python3", "-c", "print('second')"}, 1, 1)
	p, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-update", second, nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, &azruntimePoll)
	require.NoError(t, err)
	f.waitState(t, "run-update", "Succeeded")
	logs, err := f.containers.ListLogs(ctx, rg, "run-update", "trainer", nil)
	require.NoError(t, err)
	assert.Equal(t, "second\n", *logs.Content, "the new container ran")
	names, err := f.emu.EngineContainers(ctx, id)
	require.NoError(t, err)
	assert.Len(t, names, 1, "the old container is gone")
	_, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-update", second, nil)
	assertCode(t, err, 409, "ContainerGroupTerminated")

	var listed []string
	pager := f.groups.NewListByResourceGroupPager(rg, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		require.NoError(t, err)
		for _, g := range page.Value {
			listed = append(listed, *g.Name)
		}
	}
	assert.Equal(t, []string{"run-update"}, listed)
	all, err := f.groups.NewListPager(nil).NextPage(ctx)
	require.NoError(t, err)
	require.Len(t, all.Value, 1, "the subscription's groups")
	assert.Equal(t, id, *all.Value[0].ID)
}

// TestDeleteBeforeStart: a group deleted while it is still Pending never starts a container,
// and its create operation ends Failed.
func TestDeleteBeforeStart(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := aciemu.GroupID(sub, rg, "run-early")
	release := f.emu.HoldCreation(id)
	defer release()
	cp, err := f.groups.BeginCreateOrUpdate(ctx, rg, "run-early", f.group(sleeper, 1, 1), nil)
	require.NoError(t, err)
	dp, err := f.groups.BeginDelete(ctx, rg, "run-early", nil)
	require.NoError(t, err)
	_, err = dp.PollUntilDone(ctx, &azruntimePoll)
	require.NoError(t, err)
	_, err = cp.PollUntilDone(ctx, &azruntimePoll)
	assertCode(t, err, 200, "Canceled")
	assert.False(t, f.emu.Group(id).Exists)
	names, err := f.emu.EngineContainers(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, names)
}

// TestFailNextCreation: an injected provisioning failure (no capacity, say) fails the create
// operation with its code and message, with a Warning event on the group.
func TestFailNextCreation(t *testing.T) {
	f := newFixture(t, nil)
	msg := "The requested resource is not available in the location 'eastus' at this moment."
	f.emu.FailNextCreation(aciemu.Failure{Code: "InsufficientCapacity", Message: msg})
	_, err := f.create(t, "run-nocap", f.group([]string{"true"}, 1, 1))
	assertCode(t, err, 200, "InsufficientCapacity")
	got := f.get(t, "run-nocap")
	assert.Equal(t, "Failed", *got.Properties.ProvisioningState)
	ev := got.Properties.InstanceView.Events
	require.Len(t, ev, 1)
	assert.Equal(t, "Warning", *ev[0].Type)
	assert.Equal(t, msg, *ev[0].Message)
}

// TestSweepLeftovers removes the containers of an emulator whose process is gone, and only
// those.
func TestSweepLeftovers(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	_, err := f.create(t, "run-sweep", f.group(sleeper, 0.5, 0.5))
	require.NoError(t, err)
	removed, err := aciemu.SweepLeftovers(ctx, f.eng)
	require.NoError(t, err)
	assert.NotContains(t, removed, f.emu.Group(aciemu.GroupID(sub, rg, "run-sweep")).Containers[0].Engine, "this process is alive")
	leftover := fmt.Sprintf("aciemu-gone-%d", time.Now().UnixNano())
	_, err = f.eng.CreateContainer(ctx, dockerexecSpec(leftover, f.env.PythonImage))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.eng.Remove(context.Background(), leftover) })
	_, err = aciemu.SweepLeftovers(ctx, f.eng)
	require.NoError(t, err)
	// Removed by this sweep, or by another process's emulator starting meanwhile.
	st, err := f.eng.Inspect(ctx, leftover)
	require.NoError(t, err)
	assert.False(t, st.Exists, "the dead process's container is removed")
	live, err := f.emu.EngineContainers(ctx, aciemu.GroupID(sub, rg, "run-sweep"))
	require.NoError(t, err)
	assert.Len(t, live, 1, "a live emulator's container stays")
}

// TestStopBeforeStart: a group stopped while still Pending never runs; its creation ends
// Canceled and its state is Stopped.
func TestStopBeforeStart(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := aciemu.GroupID(sub, rg, "run-stop-early")
	release := f.emu.HoldCreation(id)
	defer release()
	cp, err := f.groups.BeginCreateOrUpdate(ctx, rg, "run-stop-early", f.group(sleeper, 1, 1), nil)
	require.NoError(t, err)
	_, err = f.groups.Stop(ctx, rg, "run-stop-early", nil)
	require.NoError(t, err)
	_, err = cp.PollUntilDone(ctx, &azruntimePoll)
	assertCode(t, err, 200, "Canceled")
	got := f.get(t, "run-stop-early")
	assert.Equal(t, "Canceled", *got.Properties.ProvisioningState)
	assert.Equal(t, "Stopped", *got.Properties.InstanceView.State)
	names, err := f.emu.EngineContainers(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, names)
}
