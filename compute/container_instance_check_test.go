package compute

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/runconfig"
)

func TestContainerInstanceCheck(t *testing.T) {
	ctx := context.Background()
	c := &ContainerInstance{location: "eastus"}
	rc := runconfig.New()
	rc.Environment.Docker.Enabled = true
	warnings, err := c.Check(ctx, rc)
	require.NoError(t, err)
	assert.Empty(t, warnings)

	for _, tc := range []struct {
		set  func(rc *runconfig.RunConfiguration)
		want string
	}{
		{func(rc *runconfig.RunConfiguration) {
			rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{CPUCores: 8}
		}, "containerInstance.cpuCores 8 is outside Azure Container Instances' limits: a Linux container group has at most 4 cores; set cpuCores between 0.1 and 4"},
		{func(rc *runconfig.RunConfiguration) {
			rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{MemoryGB: 64}
		}, "containerInstance.memoryGb 64 is outside Azure Container Instances' limits: a Linux container group has at most 16 GB"},
		{func(rc *runconfig.RunConfiguration) {
			rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{MemoryGB: 1.55}
		}, "containerInstance.memoryGb 1.55 is not a multiple of 0.1 GB"},
		{func(rc *runconfig.RunConfiguration) {
			rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{Region: "East US/2"}
		}, `containerInstance.region "East US/2" is not an Azure region name`},
		{func(rc *runconfig.RunConfiguration) { rc.Framework = "PySpark" }, "framework PySpark does not run on the containerinstance target"},
		{func(rc *runconfig.RunConfiguration) { rc.NodeCount = 2 }, "distributed jobs (communicator None, nodeCount 2) do not run on the containerinstance target"},
		{func(rc *runconfig.RunConfiguration) { rc.Environment.Docker.BaseDockerfile = "FROM x" }, "baseDockerfile and buildContext are not supported"},
	} {
		rc := runconfig.New()
		tc.set(rc)
		_, err := c.Check(ctx, rc)
		assert.ErrorIs(t, err, ErrUnsupported)
		assert.ErrorContains(t, err, tc.want)
	}

	rc = runconfig.New()
	rc.Docker.UseDocker = true
	rc.Docker.Arguments = []string{"--ipc=host"}
	warnings, err = c.Check(ctx, rc)
	require.NoError(t, err)
	assert.Equal(t, []string{`docker arguments ["--ipc=host"] are ignored on the containerinstance target: the container runs with Container Instances' settings`}, warnings)
	rc = runconfig.New()
	rc.Environment.Docker.Enabled = false
	warnings, _ = c.Check(ctx, rc)
	assert.Contains(t, warnings, "docker is not enabled in the run configuration, but the containerinstance target always runs the script in a container (image "+runconfig.DefaultCPUImage+")")
}

func TestRegistryHost(t *testing.T) {
	assert.Equal(t, "docker.io", registryHost("python:3.11"))
	assert.Equal(t, "docker.io", registryHost("library/python"))
	assert.Equal(t, "myacr.azurecr.io", registryHost("myacr.azurecr.io/azureml/x:1"))
	assert.Equal(t, "127.0.0.1:5000", registryHost("127.0.0.1:5000/a/b"))
	assert.Equal(t, "localhost", registryHost("localhost/a"))
}

func TestValidArtifactName(t *testing.T) {
	for _, ok := range []string{"outputs/model.pkl", "logs/a/b.txt", "azureml-logs/70_driver_log.txt"} {
		assert.True(t, validArtifactName(ok), ok)
	}
	for _, bad := range []string{"/etc/passwd", "outputs/../../x", "wd/train.py", "../outputs/x"} {
		assert.False(t, validArtifactName(bad), bad)
	}
}
