package compute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/runconfig"
)

var (
	_ Checker = (*Local)(nil)
	_ Checker = (*DSVM)(nil)
)

// Check reports what the local target cannot run in rc and the settings of rc it ignores; see
// Checker. Start runs the same check.
func (l *Local) Check(_ context.Context, rc *runconfig.RunConfiguration) ([]string, error) {
	return checkSDKDriven(rc, sdkTarget{desc: "the local target"})
}

// Check reports what the VM target cannot run in rc and the settings of rc it ignores; see
// Checker. Start runs the same check.
func (d *DSVM) Check(_ context.Context, rc *runconfig.RunConfiguration) ([]string, error) {
	return checkSDKDriven(rc, sdkTarget{desc: fmt.Sprintf("VM target %q", d.name), vm: d.name})
}

// sdkTarget describes a target on which amlgo itself runs the script (local, VM, HDInsight).
type sdkTarget struct {
	desc string // "the local target", `VM target "x"`, `HDInsight target "x"`
	vm   string // the VM's or cluster head node's target name; "" for local
	hdi  bool   // an HDInsight cluster: PySpark jobs only, submitted to YARN
}

// checkSDKDriven checks rc for a target where amlgo runs the script itself: every setting is
// honoured, reported as ignored (a warning), or refused with an error (wrapping ErrUnsupported)
// that says what to do instead. Errors are joined, so all are reported at once.
func checkSDKDriven(rc *runconfig.RunConfiguration, t sdkTarget) ([]string, error) {
	if rc == nil {
		return nil, errors.New("compute: no run configuration")
	}
	var errs []error
	unsupported := func(format string, args ...any) {
		errs = append(errs, &unsupportedError{msg: "compute: " + fmt.Sprintf(format, args...)})
	}
	var warnings []string
	ignored := func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }

	if dockerEnabled(rc) && !t.hdi {
		errs = append(errs, checkDocker(rc, t)...)
	}
	switch f := strings.ToLower(rc.Framework); {
	case f == "pyspark" && t.vm != "" && !t.hdi:
		unsupported("framework PySpark is not supported on %s: amlgo submits Spark jobs on \"local\" (master local[*]) and on "+
			"HDInsight targets (YARN); run it there, or set framework Python to run the script with python", t.desc)
	case f == "pyspark":
		errs = append(errs, checkPySpark(rc, t.desc, t.hdi)...)
		if dockerEnabled(rc) && !t.hdi {
			unsupported("docker with framework PySpark is not supported on %s yet; turn docker off to run spark-submit on %s", t.desc, t.host())
		}
		warnings = append(warnings, sparkWarnings(rc, t.desc, t.hdi)...)
	case t.hdi:
		unsupported("framework %s is not supported on %s: an HDInsight cluster runs PySpark jobs (spark-submit to YARN); "+
			"set framework PySpark, or run the script on \"local\" or a VM target", rc.Framework, t.desc)
	}
	switch f := strings.ToLower(rc.Framework); f {
	case "pysparkinteractive":
		unsupported("framework %s (an interactive Spark session) is not supported on %s; set framework PySpark to submit "+
			"the script with spark-submit", rc.Framework, t.desc)
	case "tensorflowparameterserver":
		unsupported("framework %s (a distributed TensorFlow job) is not supported on %s yet; set framework TensorFlow and "+
			"communicator None to run one process", rc.Framework, t.desc)
	case "pythonmpi", "pythonintelmpi":
		unsupported("framework %s is an obsolete name that amlgo does not run; set framework Python with communicator OpenMpi or "+
			"IntelMpi (MPI runs on VM targets)", rc.Framework)
	}
	// Python, TensorFlow, PyTorch and CNTK with communicator None are one python process.
	switch c := strings.ToLower(rc.Communicator); {
	case c == "" || c == "none":
	case isMPI(rc):
		if t.vm == "" || t.hdi {
			unsupported("communicator %s (an MPI job) is not supported on %s yet; run it on a VM target, where amlgo starts it "+
				"with mpirun, or set communicator None (and no DistributedJobConfig) to run one process", rc.Communicator, t.desc)
		}
	default:
		unsupported("communicator %s (a distributed %s job) is not supported on %s yet; set communicator None (and no "+
			"DistributedJobConfig) to run one process", rc.Communicator, rc.Framework, t.desc)
	}
	if t.hdi && dockerEnabled(rc) {
		unsupported("docker is not supported on %s: Spark runs the job in YARN containers; turn docker off", t.desc)
	}
	if t.vm != "" && !t.hdi {
		if err := checkSingleNode(rc, t.vm); err != nil {
			errs = append(errs, &unsupportedError{msg: err.Error()})
		}
	} else if rc.NodeCount > 1 {
		unsupported("nodeCount is %d but %s is a single node; set nodeCount to 1", rc.NodeCount, t.desc)
	}
	if names := sortedNames(rc.DataReferences); len(names) > 0 {
		unsupported("dataReferences (%s) are not supported on %s yet: amlgo does not mount or download datastore paths; "+
			"remove them and pass the data's path on %s as an argument", names, t.desc, t.host())
	}
	if names := sortedNames(rc.Data); len(names) > 0 {
		unsupported("data inputs (%s) are not supported on %s yet: amlgo does not mount or download datasets; "+
			"remove them and pass the data's path on %s as an argument", names, t.desc, t.host())
	}
	if names := sortedNames(rc.OutputData); len(names) > 0 {
		unsupported("outputData (%s) is not supported on %s yet: amlgo does not upload outputs to datastores; remove it and "+
			"write the files under ./outputs, which amlgo keeps as the run's artifacts", names, t.desc)
	}
	if len(rc.Datacaches) > 0 {
		unsupported("datacaches are not supported on %s yet; remove them and pass the data's path as an argument", t.desc)
	}
	if rc.Environment.R != nil {
		unsupported("environment.r (an R environment) is not supported on %s yet; remove it (amlgo runs Python scripts)", t.desc)
	}
	for _, k := range badEnvNames(rc, t.vm != "") {
		unsupported("environment variable name %q cannot be set on %s; use letters, digits and _, not starting with a digit", k, t.desc)
	}

	if !rc.History.OutputCollection {
		ignored("history.outputCollection is false, but on %s amlgo records every run's status, logs, metrics and outputs in the workspace", t.desc)
	}
	if !rc.History.SnapshotProject {
		ignored("history.snapshotProject is false, but amlgo snapshots the source directory of every run: the script runs from the snapshot")
	}
	for _, d := range rc.History.DirectoriesToWatch {
		if d := strings.Trim(d, "./"); d != "logs" && d != "outputs" {
			ignored("history.directoriesToWatch %q is not collected on %s: only ./logs and ./outputs become the run's files; write there what the run should keep", d, t.desc)
		}
	}
	if rc.Priority != nil {
		ignored("priority %d applies to jobs on AmlCompute clusters; it is ignored on %s", *rc.Priority, t.desc)
	}
	if rc.CredentialPassthrough {
		ignored("credentialPassthrough applies to data access from Azure compute; it is ignored on %s, where the script runs as %s's own user", t.desc, t.host())
	}
	if rc.SourceDirectoryDataStore != "" {
		ignored("sourceDirectoryDataStore %q is ignored on %s: the run uses a snapshot of the source directory", rc.SourceDirectoryDataStore, t.desc)
	}
	if names := sortedNames(rc.ApplicationEndpoints); len(names) > 0 {
		ignored("applicationEndpoints (%s) are ignored on %s: amlgo opens no endpoints", names, t.desc)
	}
	if v := rc.Environment.InferencingStackVersion; v != "" {
		ignored("environment.inferencingStackVersion %q is ignored on %s: it adds azureml's inference stack to an image, which amlgo's images do not include", v, t.desc)
	}
	if rc.AutoPrepareEnvironment != nil && !*rc.AutoPrepareEnvironment && !t.hdi {
		ignored("autoPrepareEnvironment is false, but amlgo prepares the environment of every run (azureml-core 1.50 ignores it too)")
	}
	return warnings, errors.Join(errs...)
}

// unsupportedError is a setting a target cannot honour; it matches ErrUnsupported.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string { return e.msg }
func (e *unsupportedError) Unwrap() error { return ErrUnsupported }

// host names the machine the script runs on, for messages.
func (t sdkTarget) host() string {
	if t.vm == "" {
		return "this machine"
	}
	return "the VM"
}

// sortedNames lists a map's keys, sorted, comma-separated ("" for none).
func sortedNames[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// badEnvNames lists the run configuration's environment variable names that cannot be set:
// empty or with "=" anywhere; on a VM (where the variables are shell assignments) also names
// that are not shell identifiers.
func badEnvNames(rc *runconfig.RunConfiguration, shell bool) []string {
	var bad []string
	for _, m := range []map[string]string{rc.Environment.EnvironmentVariables, rc.EnvironmentVariables} {
		for k := range m {
			if k == "" || strings.Contains(k, "=") || strings.ContainsRune(k, 0) || shell && !validEnvName(k) {
				if !slices.Contains(bad, k) {
					bad = append(bad, k)
				}
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// checkDocker checks the Docker settings of a docker-enabled run on an SDK-driven target.
func checkDocker(rc *runconfig.RunConfiguration, t sdkTarget) []error {
	var errs []error
	unsupported := func(format string, args ...any) {
		errs = append(errs, &unsupportedError{msg: "compute: " + fmt.Sprintf(format, args...)})
	}
	d := rc.Environment.Docker
	if d.BuildContext != "" {
		unsupported("environment.docker.buildContext is not supported on %s yet; put the Dockerfile's content in "+
			"environment.docker.baseDockerfile (its build context is then empty), or build the image and set baseImage", t.desc)
	}
	if strings.TrimSpace(d.BaseImage) == "" && d.BaseDockerfile == "" {
		unsupported("docker is enabled but environment.docker has neither baseImage nor baseDockerfile; set baseImage (for example %s)", runconfig.DefaultCPUImage)
	}
	if os := d.Platform.OS; os != "" && !strings.EqualFold(os, "linux") {
		unsupported("environment.docker.platform.os %q is not supported on %s; amlgo runs Linux containers (set it to Linux)", os, t.desc)
	}
	if d.BaseImageRegistry.RegistryIdentity != nil {
		unsupported("environment.docker.baseImageRegistry.registryIdentity (a managed identity) cannot log in from %s; "+
			"set baseImageRegistry.username and password instead", t.desc)
	}
	if isMPI(rc) && t.vm != "" {
		unsupported("communicator %s in Docker is not supported on %s yet; turn Docker off to run the MPI job natively with mpirun", rc.Communicator, t.desc)
	}
	_, shm, args := dockerRunSettings(rc)
	if _, err := dockerexec.ParseShmSize(shm); err != nil {
		unsupported("docker shmSize: %v", err)
	}
	if err := dockerexec.ValidateArguments(args); err != nil {
		unsupported("%v", strings.TrimPrefix(err.Error(), dockerexec.ErrBadArguments.Error()+": "))
	}
	return errs
}
