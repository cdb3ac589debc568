package compute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// Defaults of a container group when the run configuration's container-instance section leaves
// cores or memory unset (0): one core and 1.5 GB, Azure Container Instances' own defaults.
// (RunConfiguration's containerInstance section itself defaults to 2 cores and 3.5 GB, as
// azureml-core writes it, and those values are used when present.)
const (
	defaultACICPUCores = 1
	defaultACIMemoryGB = 1.5
)

// Azure Container Instances' limits for one Linux container group without GPUs, in the regions
// with the most capacity (https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits):
// at most 4 cores and 16 GB, memory in steps of 0.1 GB.
const (
	maxACICPUCores = 4
	maxACIMemoryGB = 16
)

// ContainerInstanceOptions tune the "containerinstance" target.
type ContainerInstanceOptions struct {
	// DockerHost is the Docker engine that builds an environment's image (a system-managed
	// conda environment) before it is pushed to the workspace's container registry ("" =
	// DOCKER_HOST, else the default socket). Environments that run a prebuilt image as is need
	// no engine.
	DockerHost string
	// KeepGroups keeps each run's container group after the run instead of deleting it.
	KeepGroups bool
	// SnapshotSASExpiry is how long the container may read the run's snapshot (0 = 2 hours);
	// the read-only SAS it gets expires then.
	SnapshotSASExpiry time.Duration
	// CancelGracePeriod is the time between SIGTERM and SIGKILL of the script on cancel, and how
	// long amlgo waits for the container to record its end before it stops the group (0 =
	// 10 s).
	CancelGracePeriod time.Duration
	// SyncInterval is how often the container writes its new log lines and metric records to
	// blob storage (0 = 1 s).
	SyncInterval time.Duration
	// Logger receives structured debug logs; nil discards them.
	Logger *slog.Logger
}

// ContainerInstance is the reserved "containerinstance" target of an Azure workspace: each run
// is a container group of Azure Container Instances that amlgo creates through Resource
// Manager, in the region of RunConfiguration's container-instance section (default: the
// workspace's) with its cores and memory, Linux, restartPolicy Never. The image is the
// environment's docker base image, or — for a system-managed conda environment — an image amlgo
// builds on the local Docker engine and pushes to the workspace's container registry, once per
// environment hash. The snapshot goes to the workspace's default blob datastore by content (only
// files not already there are uploaded); the container reads it with a read-only SAS that
// expires, runs amlgo's driver and run-context shim, and writes its logs, metric records and
// outputs back to blobs, which amlgo reads by byte offset. The group is deleted after the run
// (ContainerInstanceOptions.KeepGroups keeps it); Cancel stops and deletes it.
type ContainerInstance struct {
	ws       *workspace.Workspace
	az       *wsaccess.AzureWorkspace
	location string
	opts     ContainerInstanceOptions
}

var (
	_ ComputeTarget = (*ContainerInstance)(nil)
	_ Checker       = (*ContainerInstance)(nil)
	_ Reattacher    = (*ContainerInstance)(nil)
)

func newContainerInstance(ws *workspace.Workspace, az *wsaccess.AzureWorkspace) *ContainerInstance {
	return &ContainerInstance{ws: ws, az: az, location: az.Location, opts: ContainerInstanceOptions{Logger: slog.New(slog.DiscardHandler)}}
}

// NewContainerInstance returns the "containerinstance" target of an Azure workspace with
// options (compute.Get returns it with the defaults); pass it as experiment.SubmitOptions.Target.
// opts may be nil; it is copied.
func NewContainerInstance(ws *workspace.Workspace, opts *ContainerInstanceOptions) (*ContainerInstance, error) {
	if ws == nil {
		return nil, errors.New("compute: nil workspace")
	}
	az, ok := wsaccess.Azure(ws)
	if !ok {
		return nil, fmt.Errorf("%w: the target \"containerinstance\" (Azure Container Instances) needs an Azure workspace (workspace.FromConfig or workspace.Get)", ErrUnsupported)
	}
	c := newContainerInstance(ws, az)
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.Logger == nil {
		c.opts.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
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
// region, cores and memory, or the workspace's region, 1 core and 1.5 GB where they are unset.
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

// Check refuses what a container group cannot run — cores or memory outside Container
// Instances' limits, Spark, MPI, data references, Dockerfiles — and warns of settings the target
// ignores. The region is checked by the service when the group is created.
func (c *ContainerInstance) Check(_ context.Context, rc *runconfig.RunConfiguration) ([]string, error) {
	if rc == nil {
		return nil, errors.New("compute: no run configuration")
	}
	const desc = "the containerinstance target"
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, &unsupportedError{msg: "compute: " + fmt.Sprintf(format, args...)})
	}
	if in := rc.ContainerInstance; in != nil {
		if in.CPUCores < 0 || in.CPUCores > maxACICPUCores {
			bad("containerInstance.cpuCores %v is outside Azure Container Instances' limits: a Linux container group has at most %d cores; set cpuCores between 0.1 and %d", in.CPUCores, maxACICPUCores, maxACICPUCores)
		}
		if in.MemoryGB < 0 || in.MemoryGB > maxACIMemoryGB {
			bad("containerInstance.memoryGb %v is outside Azure Container Instances' limits: a Linux container group has at most %d GB; set memoryGb between 0.1 and %d", in.MemoryGB, maxACIMemoryGB, maxACIMemoryGB)
		} else if in.MemoryGB > 0 && math.Abs(in.MemoryGB*10-math.Round(in.MemoryGB*10)) > 1e-9 {
			bad("containerInstance.memoryGb %v is not a multiple of 0.1 GB, which Azure Container Instances requires", in.MemoryGB)
		}
		if r := in.Region; r != "" && strings.ContainsAny(r, " /\\") {
			bad("containerInstance.region %q is not an Azure region name (such as \"eastus\")", r)
		}
	}
	switch f := strings.ToLower(rc.Framework); f {
	case "pyspark", "pysparkinteractive":
		bad("framework %s does not run on %s; run Spark jobs on an HDInsight target, or set framework Python", rc.Framework, desc)
	}
	if isMPI(rc) || rc.NodeCount > 1 {
		bad("distributed jobs (communicator %s, nodeCount %d) do not run on %s: a container group is one machine; use an AmlCompute cluster", rc.Communicator, rc.NodeCount, desc)
	}
	if rc.Environment.Docker.BaseDockerfile != "" || rc.Environment.Docker.BuildContext != "" {
		bad("environment.docker.baseDockerfile and buildContext are not supported on %s yet; build the image, push it to a registry and set environment.docker.baseImage", desc)
	}
	if names := sortedNames(rc.DataReferences); len(names) > 0 {
		bad("dataReferences (%s) are not supported on %s yet; pass the data's URI as an argument", names, desc)
	}
	if names := sortedNames(rc.Data); len(names) > 0 {
		bad("data inputs (%s) are not supported on %s yet; pass the data's URI as an argument", names, desc)
	}
	if names := sortedNames(rc.OutputData); len(names) > 0 {
		bad("outputData (%s) is not supported on %s yet; write the files under ./outputs, which become the run's artifacts", names, desc)
	}
	if rc.Environment.R != nil {
		bad("environment.r is not supported on %s; amlgo runs Python scripts", desc)
	}
	if rc.Environment.Docker.GPUSupport != nil && *rc.Environment.Docker.GPUSupport {
		bad("GPU containers are not supported on %s by amlgo; use an AmlCompute cluster with GPUs", desc)
	}
	var warnings []string
	if !dockerEnabled(rc) {
		warnings = append(warnings, fmt.Sprintf("docker is not enabled in the run configuration, but %s always runs the script in a container (image %s)", desc, aciBaseImage(rc)))
	}
	if _, _, args := dockerRunSettings(rc); len(args) > 0 {
		warnings = append(warnings, fmt.Sprintf("docker arguments %q are ignored on %s: the container runs with Container Instances' settings", args, desc))
	}
	if rc.Environment.Python.UserManagedDependencies && rc.Environment.Python.InterpreterPath == "" {
		warnings = append(warnings, fmt.Sprintf("userManagedDependencies is true with no interpreterPath: the job runs the image's python on %s", desc))
	}
	return warnings, errors.Join(errs...)
}

// aciBaseImage is the image a run starts from: environment.docker.baseImage, else azureml's
// default CPU image.
func aciBaseImage(rc *runconfig.RunConfiguration) string {
	if img := rc.Environment.Docker.BaseImage; img != "" {
		return img
	}
	return runconfig.DefaultCPUImage
}
