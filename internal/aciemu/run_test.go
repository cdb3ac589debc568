package aciemu_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/aciemu"
)

// TestContainerRunsToCompletion: a group whose script exits 0 is provisioned (Succeeded), runs
// with its environment (secure values included, never returned by GET) and ends Terminated with
// exit code 0 and detailStatus Completed; its logs come from the engine, with tail and
// timestamps.
func TestContainerRunsToCompletion(t *testing.T) {
	f := newFixture(t, nil)
	g := f.group([]string{"python3", "-c", "import os; print('hello'); print(os.environ['A'], len(os.environ['TOKEN']))"}, 1, 1.5)
	g.Properties.Containers[0].Properties.EnvironmentVariables = []*armcontainerinstance.EnvironmentVariable{
		{Name: to.Ptr("A"), Value: to.Ptr("1")}, {Name: to.Ptr("TOKEN"), SecureValue: to.Ptr("s3cr3t-token")}}
	res, err := f.create(t, "run-ok", g)
	require.NoError(t, err)
	assert.Equal(t, "Succeeded", *res.Properties.ProvisioningState)

	f.waitState(t, "run-ok", "Succeeded", "Failed")
	got := f.get(t, "run-ok")
	assert.Equal(t, "Succeeded", *got.Properties.InstanceView.State)
	c := got.Properties.Containers[0].Properties
	cur := c.InstanceView.CurrentState
	assert.Equal(t, "Terminated", *cur.State)
	assert.Equal(t, int32(0), *cur.ExitCode)
	assert.Equal(t, "Completed", *cur.DetailStatus)
	assert.False(t, cur.FinishTime.Before(*cur.StartTime), "finish %v before start %v", cur.FinishTime, cur.StartTime)
	var names []string
	for _, ev := range c.InstanceView.Events {
		names = append(names, *ev.Name)
	}
	assert.Equal(t, []string{"Pulling", "Pulled", "Created", "Started"}, names)
	assert.Equal(t, `pulling image "`+f.env.RegistryImage+`"`, *c.InstanceView.Events[0].Message)
	require.Len(t, c.EnvironmentVariables, 2)
	assert.Nil(t, c.EnvironmentVariables[1].SecureValue, "GET must not return a secureValue")
	assert.Equal(t, "TOKEN", *c.EnvironmentVariables[1].Name)
	assert.Nil(t, got.Properties.ImageRegistryCredentials[0].Password, "GET must not return a registry password")

	ctx := context.Background()
	logs, err := f.containers.ListLogs(ctx, rg, "run-ok", "trainer", nil)
	require.NoError(t, err)
	assert.Equal(t, "hello\n1 12\n", *logs.Content)
	logs, err = f.containers.ListLogs(ctx, rg, "run-ok", "trainer", &armcontainerinstance.ContainersClientListLogsOptions{Tail: to.Ptr[int32](1), Timestamps: to.Ptr(true)})
	require.NoError(t, err)
	ts, line, _ := strings.Cut(*logs.Content, " ")
	assert.Equal(t, "1 12\n", line)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$`, ts)
	_, err = f.containers.ListLogs(ctx, rg, "run-ok", "nosuch", nil)
	assertCode(t, err, 404, "ContainerNotFound")
}

// TestExitCodes: a script's exit code and an out-of-memory kill reach the instance view.
func TestExitCodes(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		name          string
		command       []string
		memGB         float64
		code          int32
		detail, group string
	}{
		{"exit-3", []string{"python3", "-c", "import sys; print('bye'); sys.exit(3)"}, 1, 3, "Error", "Failed"},
		{"oom", []string{"python3", "-c", "b = bytearray(1 << 30); print(len(b))"}, 0.1, 137, "OOMKilled", "Failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.create(t, tc.name, f.group(tc.command, 1, tc.memGB))
			require.NoError(t, err)
			f.waitState(t, tc.name, "Succeeded", "Failed")
			got := f.get(t, tc.name)
			assert.Equal(t, tc.group, *got.Properties.InstanceView.State)
			assert.Equal(t, "Succeeded", *got.Properties.ProvisioningState)
			cur := got.Properties.Containers[0].Properties.InstanceView.CurrentState
			assert.Equal(t, "Terminated", *cur.State)
			assert.Equal(t, tc.code, *cur.ExitCode)
			assert.Equal(t, tc.detail, *cur.DetailStatus)
		})
	}
}

// TestImagePullFailure: an image that cannot be pulled (a tag the registry does not have, or
// wrong credentials) gives ACI's events, fails the group's provisioning, and never runs.
func TestImagePullFailure(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		name, image, password, want string
	}{
		{"no-such-tag", strings.TrimSuffix(f.env.RegistryImage, ":1") + ":no-such-tag", f.env.RegistryPassword, "manifest unknown"},
		{"bad-password", f.env.RegistryImage, "wrong-password", "unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := f.group([]string{"python3", "-c", "print('must not run')"}, 1, 1)
			g.Properties.Containers[0].Properties.Image = to.Ptr(tc.image)
			g.Properties.ImageRegistryCredentials[0].Password = to.Ptr(tc.password)
			_, err := f.create(t, tc.name, g)
			var re *azcore.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "Failed", re.ErrorCode)
			assert.Contains(t, err.Error(), `Failed to pull image \"`+tc.image+`\"`)

			got := f.get(t, tc.name)
			assert.Equal(t, "Failed", *got.Properties.ProvisioningState)
			assert.Equal(t, "Pending", *got.Properties.InstanceView.State)
			iv := got.Properties.Containers[0].Properties.InstanceView
			assert.Equal(t, "Waiting", *iv.CurrentState.State)
			var failed *armcontainerinstance.Event
			var names []string
			for _, ev := range iv.Events {
				names = append(names, *ev.Name)
				if *ev.Name == "Failed" {
					failed = ev
				}
			}
			assert.Equal(t, []string{"Pulling", "Failed", "BackOff"}, names)
			require.NotNil(t, failed)
			assert.Equal(t, "Warning", *failed.Type)
			assert.Equal(t, int32(2), *failed.Count, "two attempts")
			assert.True(t, strings.HasPrefix(*failed.Message, `Failed to pull image "`+tc.image+`": `), *failed.Message)
			assert.Contains(t, strings.ToLower(*failed.Message), tc.want)
			assert.NotContains(t, *failed.Message, tc.password)
			names2, err := f.emu.EngineContainers(context.Background(), aciemu.GroupID(sub, rg, tc.name))
			require.NoError(t, err)
			assert.Empty(t, names2, "a group whose image was not pulled has no container")
		})
	}
}

// assertCode checks that err is a service error with this status and code.
func assertCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *azcore.ResponseError
	if assert.True(t, errors.As(err, &re), "want a ResponseError, got %v", err) {
		assert.Equal(t, status, re.StatusCode)
		assert.Equal(t, code, re.ErrorCode, re.Error())
	}
}
