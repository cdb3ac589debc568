package runconfig

// Defaults of azureml-core 1.50.
const (
	// DefaultCPUImage is environment.docker.baseImage in 1.50.
	DefaultCPUImage = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20230324.v1"
	// DefaultGPUImage is azureml-core 1.50's DEFAULT_GPU_IMAGE.
	DefaultGPUImage = "mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04:20230324.v1"
	// DefaultEnvironmentName is the name of the environment of a new RunConfiguration.
	DefaultEnvironmentName = "default-environment"
	// DefaultMaxRunDurationSeconds is what ScriptRunConfig sets (30 days).
	DefaultMaxRunDurationSeconds = 2592000
)

// RunConfiguration mirrors azureml.core.RunConfiguration. Field order is the YAML/JSON key
// order. Nullable strings use "" for null; nullable numbers are pointers; a nil slice or map
// is written as null and an empty one as [] or {}.
type RunConfiguration struct {
	// Script is the script to run, relative to the source directory ("" = null).
	Script string
	// Arguments are passed to the script. Each is a string, a Go integer, a float64 or a
	// bool and keeps its type in JSON and YAML (["--epochs", 3] is written with the number
	// 3, as azureml-core does); the script receives ArgumentStrings(Arguments).
	Arguments []any
	// Target is the compute target name ("local" by default).
	Target string
	// Framework: "Python", "PySpark", "CNTK", "TensorFlow" or "PyTorch".
	Framework string
	// Communicator: "None", "ParameterServer", "OpenMpi", "IntelMpi" (also "Gloo", "Nccl", "Mpi").
	Communicator string
	// MaxRunDurationSeconds limits the run; nil = no limit.
	MaxRunDurationSeconds *int
	// NodeCount is the number of nodes for the job.
	NodeCount int
	// Priority of the job on the compute (1.50); nil = null.
	Priority *int
	// Environment is the run's environment.
	Environment Environment
	// History configures run history.
	History HistoryConfiguration
	// Spark holds the Spark configuration.
	Spark SparkConfiguration
	// Docker is the top-level DockerConfiguration (1.3x+).
	Docker DockerConfiguration
	// HDI holds HDInsight settings.
	HDI HDIConfiguration
	// TensorFlow holds the parameter-server settings.
	TensorFlow TensorflowConfiguration
	// MPI holds the MPI settings.
	MPI MpiConfiguration
	// PyTorch holds the PyTorch distributed settings.
	PyTorch PyTorchConfiguration
	// ParallelTask holds ParallelRunStep settings.
	ParallelTask ParallelTaskConfiguration
	// DataReferences maps a name to a datastore reference ($AZUREML_DATAREFERENCE_<name>).
	DataReferences map[string]DataReferenceConfiguration
	// Data maps a name to a dataset input.
	Data map[string]Data
	// Datacaches holds data cache configurations (kept as generic values).
	Datacaches []any
	// OutputData maps a name to an output configuration (kept as generic values).
	OutputData map[string]any
	// SourceDirectoryDataStore is the project share datastore ("" = null).
	SourceDirectoryDataStore string
	// AmlCompute holds the run-based AmlCompute cluster settings.
	AmlCompute AmlComputeConfiguration
	// KubernetesCompute holds Kubernetes compute settings.
	KubernetesCompute KubernetesComputeConfiguration
	// CredentialPassthrough runs with the submitter's identity.
	CredentialPassthrough bool
	// Command is a command line used instead of Script/Arguments ("" by default).
	Command string
	// EnvironmentVariables are runtime environment variables (1.3x+).
	EnvironmentVariables map[string]string
	// ApplicationEndpoints ("services" in Python) are kept as generic values.
	ApplicationEndpoints map[string]any

	// AutoPrepareEnvironment is the 1.0.x autoPrepareEnvironment (2018 preview:
	// prepareEnvironment; Workbench: PrepareEnvironment). Read from files, never written
	// (1.50 deprecated it); nil when absent.
	AutoPrepareEnvironment *bool
	// ContainerInstance is the containerInstance section (2018 preview; used by the
	// "containerinstance" target); nil when absent. azureml-core 1.50 has no field for it but
	// keeps a loaded section when it saves; amlgo writes it after applicationEndpoints, in Save
	// and in the JSON form (the service contract has it, 1.50's repr does not), so the run
	// definition records it and UnmarshalJSON gets it back.
	ContainerInstance *ContainerInstanceConfiguration

	// keyOrder remembers the key order of maps read from a file (by field key), so that
	// they are written back in that order, as Python dicts are; other keys follow sorted.
	keyOrder map[string][]string
}

// HistoryConfiguration mirrors azureml HistoryConfiguration.
type HistoryConfiguration struct {
	// OutputCollection enables history tracking (status, logs, metrics, outputs).
	OutputCollection bool
	// SnapshotProject takes a snapshot of the project.
	SnapshotProject bool
	// DirectoriesToWatch are uploaded live.
	DirectoriesToWatch []string
}

// SparkConfiguration mirrors azureml SparkConfiguration (top-level "spark").
type SparkConfiguration struct {
	// Configuration is the Spark configuration; values are string, int, float64, bool or nil.
	Configuration map[string]any
}

// DockerConfiguration mirrors azureml DockerConfiguration (top-level "docker", 1.3x+).
type DockerConfiguration struct {
	// UseDocker runs the job in a Docker container.
	UseDocker bool
	// SharedVolumes mounts the project as a shared volume.
	SharedVolumes bool
	// Arguments are extra "docker run" arguments.
	Arguments []string
	// ShmSize is the container's shared memory size ("" = null).
	ShmSize string
}

// HDIConfiguration mirrors azureml HdiConfiguration.
type HDIConfiguration struct {
	// YarnDeployMode is "cluster" or "client".
	YarnDeployMode string
}

// TensorflowConfiguration mirrors azureml TensorflowConfiguration (also a distributed job
// configuration for ScriptRunConfig).
type TensorflowConfiguration struct {
	// WorkerCount is the number of worker tasks.
	WorkerCount int
	// ParameterServerCount is the number of parameter server tasks.
	ParameterServerCount int
}

// MpiConfiguration mirrors azureml MpiConfiguration (also a distributed job configuration).
type MpiConfiguration struct {
	// ProcessCountPerNode is the number of processes per node.
	ProcessCountPerNode int
	// NodeCount is the number of nodes.
	NodeCount int
}

// PyTorchConfiguration mirrors azureml PyTorchConfiguration (also a distributed job
// configuration).
type PyTorchConfiguration struct {
	// CommunicationBackend is "nccl" (default) or "gloo".
	CommunicationBackend string
	// ProcessCount is the total process count; nil = null.
	ProcessCount *int
	// NodeCount is the number of nodes.
	NodeCount int
}

// ParallelTaskConfiguration mirrors azureml ParallelTaskConfiguration.
type ParallelTaskConfiguration struct {
	// MaxRetriesPerWorker is the maximum number of retries per worker.
	MaxRetriesPerWorker int
	// WorkerCountPerNode is the number of workers per node.
	WorkerCountPerNode int
	// TerminalExitCodes are worker exit codes that end the job; nil = null.
	TerminalExitCodes []int
}

// AmlComputeConfiguration mirrors azureml AmlComputeConfiguration.
type AmlComputeConfiguration struct {
	// VMSize of the cluster to create ("" = null).
	VMSize string
	// VMPriority: "dedicated" or "lowpriority" ("" = null).
	VMPriority string
	// RetainCluster keeps the cluster after the job.
	RetainCluster bool
	// Name of the cluster to create ("" = null).
	Name string
	// ClusterMaxNodeCount is the maximum node count; nil = null.
	ClusterMaxNodeCount *int
}

// KubernetesComputeConfiguration mirrors azureml KubernetesComputeConfiguration.
type KubernetesComputeConfiguration struct {
	// InstanceType ("" = null).
	InstanceType string
}

// ContainerInstanceConfiguration is the 2018-preview ACI section ("containerInstance":
// region, cpuCores, memoryGb). A section read from a file gets the service's defaults for
// missing keys: cpuCores 2, memoryGb 3.5.
type ContainerInstanceConfiguration struct {
	// Region is the Azure region ("" = the workspace's).
	Region string
	// CPUCores to allocate (default 2).
	CPUCores float64
	// MemoryGB to allocate (default 3.5).
	MemoryGB float64
}

// New returns a RunConfiguration with azureml-core 1.50's defaults
// (RunConfiguration() in Python). It marshals to golden/runconfig_default_repr.json.
func New() *RunConfiguration {
	return &RunConfiguration{
		Arguments:    []any{},
		Target:       "local",
		Framework:    "Python",
		Communicator: "None",
		NodeCount:    1,
		Environment:  *NewEnvironment(DefaultEnvironmentName),
		History:      defaultHistory(),
		Spark:        defaultSparkConfiguration(),
		Docker: DockerConfiguration{
			SharedVolumes: true,
			Arguments:     []string{},
			ShmSize:       "2g",
		},
		HDI:                  HDIConfiguration{YarnDeployMode: "cluster"},
		TensorFlow:           TensorflowConfiguration{WorkerCount: 1, ParameterServerCount: 1},
		MPI:                  MpiConfiguration{ProcessCountPerNode: 1, NodeCount: 1},
		PyTorch:              PyTorchConfiguration{CommunicationBackend: "nccl", NodeCount: 1},
		ParallelTask:         ParallelTaskConfiguration{WorkerCountPerNode: 1},
		DataReferences:       map[string]DataReferenceConfiguration{},
		Data:                 map[string]Data{},
		Datacaches:           []any{},
		OutputData:           map[string]any{},
		EnvironmentVariables: map[string]string{},
		ApplicationEndpoints: map[string]any{},
	}
}

func defaultHistory() HistoryConfiguration {
	return HistoryConfiguration{OutputCollection: true, SnapshotProject: true, DirectoriesToWatch: []string{"logs"}}
}

func defaultSparkConfiguration() SparkConfiguration {
	return SparkConfiguration{Configuration: map[string]any{
		"spark.app.name":            "Azure ML Experiment",
		"spark.yarn.maxAppAttempts": 1,
	}}
}

// String returns the repr JSON with secrets masked.
func (rc RunConfiguration) String() string {
	b, err := rc.Redacted().JSON()
	if err != nil {
		return "runconfig: " + err.Error()
	}
	return string(b)
}

// Redacted returns a deep copy whose secrets (the registry password) are replaced by "***".
func (rc *RunConfiguration) Redacted() *RunConfiguration {
	c := rc.Clone()
	c.Environment.redact()
	return c
}
