package runconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	frameworks = []string{"Python", "PySpark", "CNTK", "TensorFlow", "PyTorch",
		// Service-side values (obsolete or internal) that old files carry.
		"TensorFlowParameterServer", "PythonMpi", "PythonIntelMpi", "PySparkInteractive"}
	communicators = []string{"None", "ParameterServer", "OpenMpi", "IntelMpi", "Gloo", "Nccl", "Mpi"}
	shmSizeRe     = regexp.MustCompile(`^[0-9]+[bBkKmMgG]?$`)
)

func oneOfFold(v string, allowed ...string) bool {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return true
		}
	}
	return false
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// Validate reports every problem of rc at once (errors.Join); each wraps ErrInvalid, and
// some also ErrScriptNotFound or ErrNoTarget. sourceDir is the project (source) directory
// the script must exist in; with sourceDir "" the file system is not checked.
// Framework, communicator and mode names are compared case-insensitively.
func (rc *RunConfiguration) Validate(sourceDir string) error {
	var errs []error
	bad := func(msg string, extra ...error) {
		errs = append(errs, newError(msg, append([]error{ErrInvalid}, extra...)...))
	}

	hasCommand := strings.TrimSpace(rc.Command) != ""
	switch {
	case rc.Script == "" && !hasCommand:
		bad("either script or command must be specified")
	case rc.Script != "" && hasCommand:
		bad(fmt.Sprintf("script %q and command %q are both set, but command and script/arguments cannot be used together to submit a run; set only one", rc.Script, rc.Command))
	case hasCommand && len(rc.Arguments) > 0:
		bad(fmt.Sprintf("command %q and arguments are both set, but command and script/arguments cannot be used together to submit a run; put the arguments in the command", rc.Command))
	}
	if rc.Script != "" && sourceDir != "" {
		if msg := scriptProblem(sourceDir, rc.Script); msg != "" {
			bad(msg, ErrScriptNotFound)
		}
	}
	for _, msg := range validateArguments("arguments", rc.Arguments) {
		bad(msg)
	}
	if strings.TrimSpace(rc.Target) == "" {
		bad("Must specify a target either through run configuration or arguments.", ErrNoTarget)
	}
	if !oneOfFold(rc.Framework, frameworks...) {
		bad(fmt.Sprintf("framework %q is not supported. Allowed values are %s", rc.Framework, quoteList(frameworks[:5])))
	}
	if !oneOfFold(rc.Communicator, communicators...) {
		bad(fmt.Sprintf("communicator %q is not supported. Allowed values are %s", rc.Communicator, quoteList(communicators)))
	}
	if rc.MaxRunDurationSeconds != nil && *rc.MaxRunDurationSeconds <= 0 {
		bad(fmt.Sprintf("maxRunDurationSeconds must be positive, got %d", *rc.MaxRunDurationSeconds))
	}
	if rc.NodeCount < 1 {
		bad(fmt.Sprintf("nodeCount must be at least 1, got %d", rc.NodeCount))
	}
	if rc.MPI.ProcessCountPerNode < 1 {
		bad(fmt.Sprintf("mpi.processCountPerNode must be at least 1, got %d", rc.MPI.ProcessCountPerNode))
	}
	if rc.MPI.NodeCount < 1 {
		bad(fmt.Sprintf("mpi.nodeCount must be at least 1, got %d", rc.MPI.NodeCount))
	}
	if rc.TensorFlow.WorkerCount < 1 {
		bad(fmt.Sprintf("tensorflow.workerCount must be at least 1, got %d", rc.TensorFlow.WorkerCount))
	}
	if rc.TensorFlow.ParameterServerCount < 0 {
		bad(fmt.Sprintf("tensorflow.parameterServerCount must not be negative, got %d", rc.TensorFlow.ParameterServerCount))
	}
	if rc.PyTorch.NodeCount < 1 {
		bad(fmt.Sprintf("pytorch.nodeCount must be at least 1, got %d", rc.PyTorch.NodeCount))
	}
	if rc.PyTorch.ProcessCount != nil && *rc.PyTorch.ProcessCount < 1 {
		bad(fmt.Sprintf("pytorch.processCount must be at least 1, got %d", *rc.PyTorch.ProcessCount))
	}
	if b := rc.PyTorch.CommunicationBackend; b != "" && !oneOfFold(b, "nccl", "gloo", "mpi") {
		bad(fmt.Sprintf("pytorch.communicationBackend %q is not supported. Allowed values are \"nccl\", \"gloo\" and \"mpi\"", b))
	}
	if rc.ParallelTask.MaxRetriesPerWorker < 0 {
		bad(fmt.Sprintf("paralleltask.maxRetriesPerWorker must not be negative, got %d", rc.ParallelTask.MaxRetriesPerWorker))
	}
	if rc.ParallelTask.WorkerCountPerNode < 1 {
		bad(fmt.Sprintf("paralleltask.workerCountPerNode must be at least 1, got %d", rc.ParallelTask.WorkerCountPerNode))
	}
	if m := rc.HDI.YarnDeployMode; m != "" && !oneOfFold(m, "cluster", "client") {
		bad(fmt.Sprintf("hdi.yarnDeployMode %q is not supported. Options are cluster and client", m))
	}
	if s := rc.Docker.ShmSize; s != "" && !shmSizeRe.MatchString(s) {
		bad(fmt.Sprintf("docker.shmSize %q is not a size such as 2g or 512m", s))
	}
	if p := rc.AmlCompute.VMPriority; p != "" && !oneOfFold(p, "dedicated", "lowpriority") {
		bad(fmt.Sprintf("amlcompute.vmPriority %q is not supported. Allowed values are \"dedicated\" and \"lowpriority\"", p))
	}
	if n := rc.AmlCompute.ClusterMaxNodeCount; n != nil && *n < 1 {
		bad(fmt.Sprintf("amlcompute.clusterMaxNodeCount must be at least 1, got %d", *n))
	}
	for _, name := range sortedKeys(rc.DataReferences) {
		r := rc.DataReferences[name]
		if r.DataStoreName == "" {
			bad(fmt.Sprintf("dataReferences.%s: dataStoreName must be set", name))
		}
		if !oneOfFold(r.Mode, "mount", "download", "upload") {
			bad(fmt.Sprintf("dataReferences.%s: mode %q is not supported. Allowed values are \"mount\", \"download\" and \"upload\"", name, r.Mode))
		}
	}
	for _, name := range sortedKeys(rc.Data) {
		if m := rc.Data[name].Mechanism; m != "" && !oneOfFold(m, "mount", "download", "direct", "hdfs") {
			bad(fmt.Sprintf("data.%s: mechanism %q is not supported. Allowed values are \"mount\", \"download\", \"direct\" and \"hdfs\"", name, m))
		}
	}
	errs = append(errs, rc.Environment.validate("environment")...)
	return errors.Join(errs...)
}

// Validate reports every problem of the environment at once (errors.Join).
func (e *Environment) Validate() error {
	return errors.Join(e.validate("environment")...)
}

func (e *Environment) validate(p string) []error {
	var errs []error
	bad := func(msg string) { errs = append(errs, newError(msg, ErrInvalid)) }
	if e.Python.UserManagedDependencies && e.Python.InterpreterPath == "" {
		bad(p + ".python.interpreterPath must be set when userManagedDependencies is true")
	}
	d := e.Docker
	if d.BaseImage != "" && d.BaseDockerfile != "" {
		bad(p + ".docker: baseImage and baseDockerfile are mutually exclusive; set only one")
	}
	if d.Enabled && d.BaseImage == "" && d.BaseDockerfile == "" {
		bad(p + ".docker is enabled but neither baseImage nor baseDockerfile is set")
	}
	if d.ShmSize != "" && !shmSizeRe.MatchString(d.ShmSize) {
		bad(fmt.Sprintf("%s.docker.shmSize %q is not a size such as 2g or 512m", p, d.ShmSize))
	}
	if d.BaseImageRegistry.Password != "" && d.BaseImageRegistry.Username == "" {
		bad(p + ".docker.baseImageRegistry: a password is set without a username")
	}
	return errs
}

// scriptProblem says why script does not name a regular file inside sourceDir (symlinks
// resolved), or returns "".
func scriptProblem(sourceDir, script string) string {
	src, err := filepath.Abs(sourceDir)
	if err != nil {
		return fmt.Sprintf("source directory %s: %v", sourceDir, err)
	}
	p := filepath.FromSlash(script)
	if !filepath.IsAbs(p) {
		p = filepath.Join(src, p)
	}
	if !within(src, p) {
		return fmt.Sprintf("script %s is outside the source directory %s (it resolves to %s); only the source directory is snapshotted, so move the script into it and name it relative to it", script, src, p)
	}
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("%s script path doesn't exist. The script should be inside the project folder (looked for %s)", script, p)
	case err != nil:
		return fmt.Sprintf("script %s: %v", script, err)
	case fi.IsDir():
		return fmt.Sprintf("script %s is a directory (%s), not a file", script, p)
	case !fi.Mode().IsRegular():
		return fmt.Sprintf("script %s (%s) is not a regular file", script, p)
	}
	realSrc, err1 := filepath.EvalSymlinks(src)
	realP, err2 := filepath.EvalSymlinks(p)
	if err1 == nil && err2 == nil && !within(realSrc, realP) {
		return fmt.Sprintf("script %s is a symbolic link to %s, outside the source directory %s; only the source directory is snapshotted, so copy the script into it", script, realP, src)
	}
	return ""
}

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
