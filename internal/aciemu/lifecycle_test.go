package aciemu_test

import (
	"context"
	"strings"
	"testing"

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
}

// TestRepeatedAndConflictingPuts: a repeated identical PUT changes nothing (200); a different
// one while the group is still being created answers 409 ContainerGroupTransitioning.
func TestRepeatedAndConflictingPuts(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := aciemu.GroupID(sub, rg, "run-held")
	release := f.emu.HoldCreation(id)
	g := f.group([]string{"python3", "-c", "print('ok')"}, 1, 1)
	p, err := f.groups.BeginCreateOrUpdate(ctx, rg, "run-held", g, nil)
	require.NoError(t, err)
	got := f.get(t, "run-held")
	assert.Equal(t, "Pending", *got.Properties.ProvisioningState)
	assert.Equal(t, "Pending", *got.Properties.InstanceView.State)
	_, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-held", g, nil)
	require.NoError(t, err, "an identical PUT")
	g2 := f.group([]string{"python3", "-c", "print('other')"}, 1, 1)
	_, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-held", g2, nil)
	assertCode(t, err, 409, "ContainerGroupTransitioning")
	release()
	_, err = p.PollUntilDone(ctx, &azruntimePoll)
	require.NoError(t, err)
	f.waitState(t, "run-held", "Succeeded")
	g2.Location = to.Ptr("westeurope")
	_, err = f.groups.BeginCreateOrUpdate(ctx, rg, "run-held", g2, nil)
	assertCode(t, err, 409, "ContainerGroupUpdateNotAllowed")
}
