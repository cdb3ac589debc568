package compute

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/runconfig"
)

// envSpec is the part of a run configuration that decides the Python environment.
func envSpec(rc *runconfig.RunConfiguration) envbuild.Spec {
	py := rc.Environment.Python
	spec := envbuild.Spec{
		UserManaged:     py.UserManagedDependencies,
		InterpreterPath: py.InterpreterPath,
		Conda:           py.CondaDependencies,
		DockerEnabled:   rc.Environment.Docker.Enabled || rc.Docker.UseDocker,

		BaseCondaEnvironment: py.BaseCondaEnvironment,
	}
	return spec
}

// scriptCommand is the argv the driver runs: the configuration's command when it has one (run by
// bash, with the environment's interpreter first on PATH), else python <script> <arguments>, each
// argument rendered as Python's str() would (what the script sees in sys.argv).
func scriptCommand(rc *runconfig.RunConfiguration, python string) []string {
	if cmd := strings.TrimSpace(rc.Command); cmd != "" {
		return []string{"bash", "-c", cmd}
	}
	argv := []string{python, scriptPath(rc)}
	return append(argv, runconfig.ArgumentStrings(rc.Arguments)...)
}

func scriptPath(rc *runconfig.RunConfiguration) string {
	return filepath.FromSlash(rc.Script)
}

// runEnv is the script's environment: this process's environment without azureml variables of
// an enclosing run, then the prepared environment, azureml's run variables, and the run
// configuration's environment variables (which win).
func runEnv(base []string, job *Job, prep *envbuild.Prepared, paths driver.Paths, shim bool) []string {
	vars := map[string]string{}
	for _, kv := range base {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AZUREML_") || strings.HasPrefix(k, "AMLGO_") {
			continue
		}
		vars[k] = v
	}
	for _, kv := range prep.Env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	rc := job.RunConfig
	vars["AZUREML_RUN_ID"] = job.RunID
	vars["AZUREML_ARM_PROJECT_NAME"] = job.Experiment
	vars["AZUREML_ARM_WORKSPACE_NAME"] = job.Workspace
	vars["AZUREML_ARM_SUBSCRIPTION"] = ""
	vars["AZUREML_ARM_RESOURCEGROUP"] = ""
	vars["AZUREML_OUTPUT_DIRECTORY"] = "./outputs"
	vars["AZUREML_TARGET_TYPE"] = "local"
	vars["AZUREML_FRAMEWORK"] = rc.Framework
	vars["AZUREML_COMMUNICATOR"] = rc.Communicator
	vars["AZUREML_SCRIPT_DIRECTORY_NAME"] = "."
	vars["AMLGO_RUN_DIR"] = paths.RunDir
	vars["PYTHONUNBUFFERED"] = "1"
	if shim {
		pp := paths.ShimDir
		if old := vars["PYTHONPATH"]; old != "" {
			pp += string(os.PathListSeparator) + old
		}
		vars["PYTHONPATH"] = pp
	}
	for k, v := range rc.Environment.EnvironmentVariables {
		vars[k] = v
	}
	for k, v := range rc.EnvironmentVariables {
		vars[k] = v
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}
