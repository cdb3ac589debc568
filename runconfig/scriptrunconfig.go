package runconfig

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// DistributedConfig is a distributed job configuration for ScriptRunConfig:
// MpiConfiguration, PyTorchConfiguration or TensorflowConfiguration (values or pointers).
// Zero counts mean azureml's default of 1; an empty backend means "nccl".
type DistributedConfig interface {
	applyTo(rc *RunConfiguration)
}

func orOne(n int) int {
	if n == 0 {
		return 1
	}
	return n
}

// applyTo sets framework Python, communicator IntelMpi, nodeCount and the mpi section.
func (c MpiConfiguration) applyTo(rc *RunConfiguration) {
	rc.Framework = "Python"
	rc.Communicator = "IntelMpi"
	rc.MPI = MpiConfiguration{ProcessCountPerNode: orOne(c.ProcessCountPerNode), NodeCount: orOne(c.NodeCount)}
	rc.NodeCount = rc.MPI.NodeCount
}

// applyTo sets framework PyTorch, communicator = backend, nodeCount and the pytorch section.
func (c PyTorchConfiguration) applyTo(rc *RunConfiguration) {
	backend := c.CommunicationBackend
	if backend == "" {
		backend = "nccl"
	}
	rc.Framework = "PyTorch"
	rc.Communicator = backend
	rc.PyTorch = PyTorchConfiguration{CommunicationBackend: backend, ProcessCount: clonePtr(c.ProcessCount), NodeCount: orOne(c.NodeCount)}
	rc.NodeCount = rc.PyTorch.NodeCount
}

// applyTo sets framework TensorFlow, communicator ParameterServer, nodeCount = workerCount
// and the tensorflow section.
func (c TensorflowConfiguration) applyTo(rc *RunConfiguration) {
	rc.Framework = "TensorFlow"
	rc.Communicator = "ParameterServer"
	rc.TensorFlow = TensorflowConfiguration{WorkerCount: orOne(c.WorkerCount), ParameterServerCount: orOne(c.ParameterServerCount)}
	rc.NodeCount = rc.TensorFlow.WorkerCount
}

// ScriptRunConfig mirrors azureml.core.ScriptRunConfig: what to run and where.
type ScriptRunConfig struct {
	// SourceDirectory is the project directory that is snapshotted and holds Script.
	SourceDirectory string
	// Script is relative to SourceDirectory.
	Script string
	// Arguments are passed to the script: strings, Go integers, float64 or bool, which keep
	// their type in the run configuration (as in azureml-core); the script receives
	// ArgumentStrings(Arguments) in sys.argv.
	Arguments []any
	// RunConfig, when set, is the base configuration; ComputeTarget, Environment,
	// DistributedJobConfig and MaxRunDurationSeconds are then ignored, as in azureml-core 1.50
	// (the run goes to RunConfig.Target), and Warnings says so.
	RunConfig *RunConfiguration
	// ComputeTarget is the target name ("" = "local").
	ComputeTarget string
	// Environment ("" / nil = Environment("default-environment") with 1.50's defaults).
	Environment *Environment
	// DistributedJobConfig is an MpiConfiguration, PyTorchConfiguration or
	// TensorflowConfiguration.
	DistributedJobConfig DistributedConfig
	// MaxRunDurationSeconds; nil = 2592000 (30 days).
	MaxRunDurationSeconds *int
	// Command is a command line used instead of Script.
	Command []string
}

// RunConfiguration returns the effective RunConfiguration that azureml-core 1.50 submits for
// s (get_run_config_from_script_run). It always returns a new value and never modifies s,
// s.RunConfig or s.Environment.
func (s ScriptRunConfig) RunConfiguration() (*RunConfiguration, error) {
	if s.Script != "" && len(s.Command) > 0 {
		return nil, newError("only one of script or command can be specified", ErrInvalid)
	}
	var rc *RunConfiguration
	if s.RunConfig != nil {
		rc = s.RunConfig.Clone()
	} else {
		rc = New()
		rc.Target = s.ComputeTarget
		if rc.Target == "" {
			rc.Target = "local"
		}
		if s.Environment != nil {
			rc.Environment = *s.Environment.Clone()
		}
		rc.MaxRunDurationSeconds = clonePtr(s.MaxRunDurationSeconds)
		if rc.MaxRunDurationSeconds == nil {
			d := DefaultMaxRunDurationSeconds
			rc.MaxRunDurationSeconds = &d
		}
		if s.DistributedJobConfig != nil {
			s.DistributedJobConfig.applyTo(rc)
		}
		// The environment's docker flags are copied into the top-level docker section.
		ed := rc.Environment.Docker
		rc.Docker.UseDocker = ed.Enabled
		rc.Docker.SharedVolumes = ed.SharedVolumes
		if ed.ShmSize != "" {
			rc.Docker.ShmSize = ed.ShmSize
		}
		if ed.Arguments != nil {
			rc.Docker.Arguments = slices.Clone(ed.Arguments)
		}
	}
	if s.Script != "" {
		rc.Script = s.Script
	}
	if len(s.Arguments) > 0 {
		rc.Arguments = slices.Clone(s.Arguments)
	}
	if len(s.Command) > 0 {
		rc.Command = shellJoin(s.Command)
		rc.Script = ""
	}
	return rc, nil
}

// Warnings lists what azureml-core 1.50 logs a warning for when it builds the run configuration
// of s, in amlgo's words: with RunConfig set, the ComputeTarget, Environment,
// DistributedJobConfig and MaxRunDurationSeconds of s are ignored (the run goes to
// RunConfig.Target, as in azureml), and the Script, Arguments and Command of s take precedence
// over RunConfig's. Experiment.Submit passes each warning to SubmitOptions.OnWarning and writes
// it to the run's control log.
func (s ScriptRunConfig) Warnings() []string {
	rc := s.RunConfig
	if rc == nil {
		return nil
	}
	const ignored = " is ignored because RunConfig is set"
	var w []string
	if s.ComputeTarget != "" {
		w = append(w, fmt.Sprintf("ScriptRunConfig.ComputeTarget %q%s: the run goes to RunConfig.Target %q; set RunConfig.Target to choose the target", s.ComputeTarget, ignored, rc.Target))
	}
	if s.Environment != nil {
		w = append(w, fmt.Sprintf("ScriptRunConfig.Environment %q%s: the run uses RunConfig.Environment %q; set RunConfig.Environment instead", s.Environment.Name, ignored, rc.Environment.Name))
	}
	if s.DistributedJobConfig != nil {
		w = append(w, "ScriptRunConfig.DistributedJobConfig"+ignored+": set RunConfig.Framework, Communicator, NodeCount and its mpi, pytorch or tensorflow section instead")
	}
	if s.MaxRunDurationSeconds != nil && *s.MaxRunDurationSeconds != DefaultMaxRunDurationSeconds {
		w = append(w, fmt.Sprintf("ScriptRunConfig.MaxRunDurationSeconds %d%s: set RunConfig.MaxRunDurationSeconds instead", *s.MaxRunDurationSeconds, ignored))
	}
	if s.Script != "" && rc.Script != "" && s.Script != rc.Script {
		w = append(w, fmt.Sprintf("ScriptRunConfig.Script %q takes precedence over RunConfig.Script %q", s.Script, rc.Script))
	}
	if len(s.Arguments) > 0 && len(rc.Arguments) > 0 {
		w = append(w, "ScriptRunConfig.Arguments take precedence over RunConfig.Arguments")
	}
	if len(s.Command) > 0 && strings.TrimSpace(rc.Command) != "" {
		w = append(w, fmt.Sprintf("ScriptRunConfig.Command takes precedence over RunConfig.Command %q", rc.Command))
	}
	return w
}

// Validate checks s and its effective RunConfiguration and reports every problem at once.
func (s ScriptRunConfig) Validate() error {
	var errs []error
	if s.SourceDirectory == "" {
		errs = append(errs, newError("source directory must be specified", ErrInvalid))
	} else if fi, err := os.Stat(s.SourceDirectory); err != nil || !fi.IsDir() {
		errs = append(errs, newError(fmt.Sprintf("source directory %s does not exist", s.SourceDirectory), ErrInvalid))
	}
	rc, err := s.RunConfiguration()
	if err != nil {
		errs = append(errs, err)
		return errors.Join(errs...)
	}
	dir := s.SourceDirectory
	if len(errs) > 0 {
		dir = "" // already reported; do not report the script too
	}
	if err := rc.Validate(dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// shellJoin joins argv into one POSIX shell command line, quoting where needed.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
		}
	}
	return s
}
