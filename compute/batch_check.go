package compute

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/amlgo/amlgo/runconfig"
)

var _ Checker = (*BatchCluster)(nil)

// Check reports what a job on the cluster cannot honour in rc (errors wrapping ErrUnsupported,
// each saying what to do instead) and what it ignores (warnings); see Checker.
func (c *BatchCluster) Check(_ context.Context, rc *runconfig.RunConfiguration) ([]string, error) {
	if rc == nil {
		return nil, errors.New("compute: no run configuration")
	}
	desc := fmt.Sprintf("cluster %q", c.name)
	var errs []error
	unsupported := func(format string, args ...any) {
		errs = append(errs, &unsupportedError{msg: "compute: " + fmt.Sprintf(format, args...)})
	}
	var warnings []string
	switch f := strings.ToLower(rc.Framework); f {
	case "pyspark", "pysparkinteractive":
		unsupported("framework %s does not run on %s; run Spark jobs on an HDInsight target, or set framework Python", rc.Framework, desc)
	}
	if rc.Environment.Docker.BuildContext != "" {
		unsupported("environment.docker.buildContext is not supported on %s yet; build the image and set environment.docker.baseImage", desc)
	}
	if rc.Environment.Docker.BaseDockerfile != "" {
		unsupported("environment.docker.baseDockerfile is not supported on %s yet; build the image and set environment.docker.baseImage", desc)
	}
	if names := sortedNames(rc.DataReferences); len(names) > 0 {
		unsupported("dataReferences (%s) are not supported on %s yet; pass the data's URI as an argument", names, desc)
	}
	if names := sortedNames(rc.Data); len(names) > 0 {
		unsupported("data inputs (%s) are not supported on %s yet; pass the data's URI as an argument", names, desc)
	}
	if names := sortedNames(rc.OutputData); len(names) > 0 {
		unsupported("outputData (%s) is not supported on %s yet; write the files under ./outputs, which become the run's artifacts", names, desc)
	}
	if rc.Environment.R != nil {
		unsupported("environment.r is not supported on %s; amlgo runs Python scripts", desc)
	}
	if c := strings.ToLower(rc.Communicator); c != "" && c != "none" && !isMPI(rc) {
		unsupported("communicator %s is not supported on %s yet; use communicator None, or an MPI job", rc.Communicator, desc)
	}
	if shared, _, _ := dockerRunSettings(rc); !shared && dockerEnabled(rc) {
		warnings = append(warnings, fmt.Sprintf("docker sharedVolumes false is ignored on %s: the service mounts the job's code itself", desc))
	}
	if rc.Environment.Python.UserManagedDependencies && rc.Environment.Python.InterpreterPath == "" {
		warnings = append(warnings, fmt.Sprintf("userManagedDependencies is true with no interpreterPath: the job runs the image's python on %s", desc))
	}
	return warnings, errors.Join(errs...)
}
