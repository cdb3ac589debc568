package compute

import (
	"context"

	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// Defaults of RunConfiguration's container-instance section (azureml's service contract).
const (
	defaultACICPUCores = 2
	defaultACIMemoryGB = 3.5
)

// ContainerInstance is the reserved "containerinstance" target of an Azure workspace: a run in
// an Azure Container Instances container group, sized by RunConfiguration's container-instance
// section (region = the workspace's, 2 cores, 3.5 GB by default). Running on it comes in a later
// version: Start returns an error wrapping errors.ErrUnsupported.
type ContainerInstance struct {
	ws       *workspace.Workspace
	location string
}

var _ ComputeTarget = (*ContainerInstance)(nil)

func newContainerInstance(ws *workspace.Workspace, az *wsaccess.AzureWorkspace) *ContainerInstance {
	return &ContainerInstance{ws: ws, location: az.Location}
}

// Name returns "containerinstance".
func (c *ContainerInstance) Name() string { return "containerinstance" }

// Type returns TypeContainerInstance.
func (c *ContainerInstance) Type() Type { return TypeContainerInstance }

// Capabilities of Azure Container Instances, as azureml-core documents them.
func (c *ContainerInstance) Capabilities() Capabilities {
	return Capabilities{HyperparameterTuning: true, ModelSelection: true}
}

// Status is always Succeeded: there is nothing to provision before a run.
func (c *ContainerInstance) Status(ctx context.Context) (ProvisioningState, error) {
	return ProvisioningSucceeded, nil
}

// Config returns the effective container-instance configuration of rc (nil rc = defaults): its
// region, cores and memory, or the workspace's region, 2 cores and 3.5 GB.
func (c *ContainerInstance) Config(rc *runconfig.RunConfiguration) runconfig.ContainerInstanceConfiguration {
	out := runconfig.ContainerInstanceConfiguration{Region: c.location, CPUCores: defaultACICPUCores, MemoryGB: defaultACIMemoryGB}
	if rc != nil && rc.ContainerInstance != nil {
		in := rc.ContainerInstance
		if in.Region != "" {
			out.Region = in.Region
		}
		if in.CPUCores > 0 {
			out.CPUCores = in.CPUCores
		}
		if in.MemoryGB > 0 {
			out.MemoryGB = in.MemoryGB
		}
	}
	return out
}

// Start is not implemented yet.
func (c *ContainerInstance) Start(ctx context.Context, job *Job) (Execution, error) {
	return nil, unsupported("running jobs on Azure Container Instances is not implemented yet; run the script on \"local\" or on a VM target (compute.AttachRemote) meanwhile")
}
