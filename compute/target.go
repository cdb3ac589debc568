package compute

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"time"

	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
)

// Type is a compute target's type, as the "computeType" of Azure ML (plus "local").
type Type string

// The compute target types of azureml-core.
const (
	TypeLocal             Type = "local"
	TypeVirtualMachine    Type = "VirtualMachine"
	TypeAmlCompute        Type = "AmlCompute"
	TypeContainerInstance Type = "ContainerInstance"
	TypeHDInsight         Type = "HDInsight"
)

// Capabilities is what a kind of target supports, as in the azureml-core documentation's table of
// training targets.
type Capabilities struct {
	GPU                  bool
	HyperparameterTuning bool
	ModelSelection       bool
	Pipelines            bool
}

// ProvisioningState is the provisioning state of a target: Creating, Succeeded, Failed, Deleting,
// Updating, Canceled or Unknown. Values are kept as the service sends them.
type ProvisioningState string

// Provisioning states.
const (
	ProvisioningSucceeded ProvisioningState = "Succeeded"
	ProvisioningCreating  ProvisioningState = "Creating"
	ProvisioningFailed    ProvisioningState = "Failed"
	ProvisioningDeleting  ProvisioningState = "Deleting"
	ProvisioningUnknown   ProvisioningState = "Unknown"
)

// ComputeTarget is where a run executes. Implementations are safe for concurrent use.
type ComputeTarget interface {
	// Name is the target's name in the workspace ("local" for the local machine).
	Name() string
	// Type is the target's compute type.
	Type() Type
	// Capabilities reports what the target supports.
	Capabilities() Capabilities
	// Status reports the target's provisioning state.
	Status(ctx context.Context) (ProvisioningState, error)
	// Start prepares the environment and launches job. It returns once the job is launched and
	// never waits for it to end; ctx bounds the preparation and launch only.
	Start(ctx context.Context, job *Job) (Execution, error)
}

// Job is what a target runs: one run of a script from a snapshot.
//
// The target reads Job and never modifies it.
type Job struct {
	// RunID is the run's id; it names the run's directory on the target.
	RunID string
	// Experiment is the experiment's name (AZUREML_ARM_PROJECT_NAME for the script).
	Experiment string
	// Workspace is the workspace's name (AZUREML_ARM_WORKSPACE_NAME).
	Workspace string
	// RunConfig is the effective run configuration: script, arguments, environment, limits.
	RunConfig *runconfig.RunConfiguration
	// Snapshot is the source directory's snapshot that becomes the script's working directory.
	Snapshot *snapshot.Snapshot
	// OpenFile opens a snapshot file's content (by its SHA-256) from the workspace's store.
	OpenFile func(f snapshot.File) (io.ReadCloser, error)
	// Logger receives structured debug logs; nil discards them.
	Logger *slog.Logger
	// Warnings are settings the caller found ignored for this run (experiment.Submit passes
	// ScriptRunConfig.Warnings); the target writes each to the run's control log
	// (azureml-logs/60_control_log.txt), with those its own Check finds.
	Warnings []string
}

// Checker is implemented by targets that can check a run configuration before anything is
// recorded or started. Check returns an error (wrapping ErrUnsupported; every problem at once)
// for settings the target cannot honour — each message says what to do instead — and a
// warning for each setting the target ignores. experiment.Submit refuses a run configuration
// whose Check fails, and passes the warnings to SubmitOptions.OnWarning; Start checks again,
// refusing the same configurations and writing the warnings to the control log.
type Checker interface {
	Check(ctx context.Context, rc *runconfig.RunConfiguration) (warnings []string, err error)
}

// Execution is a job started on a target.
type Execution interface {
	// Observe reports the execution's state and whatever the job wrote after cursor: new log
	// bytes per log file and new metric records. It never blocks waiting for new output.
	Observe(ctx context.Context, cursor Cursor) (*Observation, error)
	// Cancel asks the job to stop: the script's processes get SIGTERM, then SIGKILL after the
	// target's grace period. It returns once the request is delivered; Observe reports Canceled
	// when the job has stopped.
	Cancel(ctx context.Context) error
	// State is what Reattacher.Reattach needs to observe this execution from another process.
	State() json.RawMessage
}

// Reattacher is implemented by targets whose executions outlive the SDK process that started
// them: Reattach resumes observing an execution from its State.
type Reattacher interface {
	Reattach(ctx context.Context, state json.RawMessage) (Execution, error)
}

// OutputCollector is implemented by executions whose files can be collected into the run's
// artifacts: the script's outputs/ and logs/ directories and the azureml-logs files.
type OutputCollector interface {
	// CollectOutputs calls put for every artifact file with its artifact name
	// (e.g. "outputs/model.json", "azureml-logs/70_driver_log.txt").
	CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error
}

// Cursor says how much of an execution's output the caller has already seen.
// The zero Cursor means nothing.
type Cursor struct {
	// Logs is the byte offset reached in each log file, by log name.
	Logs map[string]int64 `json:"logs,omitempty"`
	// Records is the byte offset reached in the metric records.
	Records int64 `json:"records,omitempty"`
}

// Clone returns a deep copy of c.
func (c Cursor) Clone() Cursor {
	out := Cursor{Records: c.Records, Logs: make(map[string]int64, len(c.Logs))}
	for k, v := range c.Logs {
		out.Logs[k] = v
	}
	return out
}

// LogChunk is new bytes of one log file.
type LogChunk struct {
	// Name is the log's artifact name, e.g. "azureml-logs/70_driver_log.txt".
	Name string
	// Offset is where Data starts in the log.
	Offset int64
	// Data is the new bytes.
	Data []byte
}

// Record is one line the run-context shim wrote to the run's metric records.
type Record struct {
	// Offset is the byte offset of the line; it identifies the record.
	Offset int64
	// Line is the JSON object, without its newline.
	Line json.RawMessage
}

// Observation is what Observe saw.
type Observation struct {
	// Status is the run status the target reports (azureml's status names).
	Status string
	// Logs are the new log bytes, in log-name order.
	Logs []LogChunk
	// Records are the new metric records, in file order.
	Records []Record
	// Next is the cursor to pass to the next Observe.
	Next Cursor
	// StartedAt and EndedAt are when the script started and ended (zero when not yet).
	StartedAt, EndedAt time.Time
	// ExitCode is the script's exit code once it has ended.
	ExitCode *int
	// Reason explains a Failed or Canceled status (empty otherwise).
	Reason string
	// SystemError says the failure was the target's, not the script's (azureml's SystemError).
	SystemError bool
	// PollAfter suggests how long to wait before the next Observe (0 = caller's choice).
	PollAfter time.Duration
}

// Provisioner is implemented by targets that are provisioned by the service.
type Provisioner interface {
	WaitForCompletion(ctx context.Context, opts *WaitOptions) error
	Delete(ctx context.Context) error
}

// Detacher is implemented by attached targets that can be detached from the workspace.
type Detacher interface {
	Detach(ctx context.Context) error
}

// WaitOptions are the options of Provisioner.WaitForCompletion.
type WaitOptions struct {
	// ShowOutput receives azureml-style progress lines; nil discards them.
	ShowOutput io.Writer
	// MinNodeCount is the number of nodes to wait for (clusters only).
	MinNodeCount int
	// Timeout bounds the wait for MinNodeCount nodes (clusters only; 0 = 25 minutes, as
	// azureml-core's timeout_in_minutes).
	Timeout time.Duration
}

// RunFileOpener is implemented by executions whose run directory files can be read, such as
// the files the run-context shim copied in for Run.upload_file.
type RunFileOpener interface {
	// OpenRunFile opens rel, a slash-separated path inside the run directory.
	OpenRunFile(ctx context.Context, rel string) (io.ReadCloser, error)
}
