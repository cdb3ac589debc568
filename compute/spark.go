package compute

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/sparksubmit"
	"github.com/amlgo/amlgo/runconfig"
)

// ErrNoSpark is matched (with ErrEnvironment) by the error of a PySpark run on a machine
// where no Spark installation is found.
var ErrNoSpark = errors.New("compute: Spark is not installed")

// Files of a Spark run, relative to its run directory.
const (
	relSparkSupervisor = "azureml-setup/spark_supervisor.py"
	relSparkJob        = "azureml-setup/spark_job.json"
	relSparkSnapshot   = "azureml-setup/snapshot.zip"
	relSparkShim       = "azureml-setup/shim.zip"
	relSparkAppID      = "azureml-setup/yarn_application_id"
	relSparkFinal      = "azureml-setup/yarn_final_status"
	relSparkSubmitLog  = "azureml-logs/65_spark_submit_log.txt"
)

// sparkEnvAlias is the directory name a shipped conda environment is unpacked under in YARN
// containers (--archives <env>.tar.gz#amlgo_env).
const sparkEnvAlias = "amlgo_env"

// isPySpark reports whether rc runs with spark-submit.
func isPySpark(rc *runconfig.RunConfiguration) bool {
	return strings.EqualFold(rc.Framework, "pyspark")
}

// sparkSite is where and how a PySpark run is submitted.
type sparkSite struct {
	sparkSubmit string // spark-submit's path or name
	master      string // "local[*]", "yarn", "spark://…"
	deployMode  string // "client" or "cluster" ("" for local)
	yarn        string // the yarn CLI, for a YARN master
	python      string // the driver's interpreter (client mode)
	// envPrefix is a system-managed conda environment's prefix to ship as an archive to YARN
	// or standalone executors; "" runs executors with python.
	envPrefix string
	// runVars are azureml's run variables, also given to the application master (cluster mode)
	// and the executors.
	runVars map[string]string
	// pollSeconds is the AM log fetch interval (0 = the supervisor's default).
	pollSeconds float64
}

// sparkConf renders rc's spark.configuration as spark-submit settings, with an error naming
// each value that is not one.
func sparkConf(rc *runconfig.RunConfiguration) (map[string]string, error) {
	conf := map[string]string{}
	var errs []error
	for k, v := range rc.Spark.Configuration {
		s, err := sparksubmit.ConfValue(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("compute: spark.configuration %q: %w", k, err))
			continue
		}
		conf[k] = s
	}
	return conf, errors.Join(errs...)
}

// sparkJob is the supervisor's job for a PySpark run in the run directory paths (slash paths
// on the submitting machine), with the run-context shim packed from shimDir ("" = no shim).
func sparkJob(rc *runconfig.RunConfiguration, paths driver.Paths, site sparkSite, shimDir string) (*sparksubmit.Job, error) {
	join := func(rel string) string { return path.Join(paths.RunDir, rel) }
	conf, err := sparkConf(rc)
	if err != nil {
		return nil, err
	}
	cluster := site.deployMode == "cluster"
	executorPython := site.python
	var archives []string
	var archive *sparksubmit.Archive
	if site.envPrefix != "" && !strings.HasPrefix(site.master, "local") {
		tar := strings.TrimSuffix(site.envPrefix, "/") + ".tar.gz"
		archive = &sparksubmit.Archive{Src: site.envPrefix, Dest: tar}
		archives = append(archives, tar+"#"+sparkEnvAlias)
		executorPython = "./" + sparkEnvAlias + "/bin/python"
	}
	set := func(k, v string) {
		if _, ok := conf[k]; !ok { // the run configuration's own settings win
			conf[k] = v
		}
	}
	env := map[string]string{"PYSPARK_PYTHON": executorPython}
	if !cluster {
		// PYSPARK_DRIVER_PYTHON must not be set in YARN cluster mode.
		env["PYSPARK_DRIVER_PYTHON"] = site.python
	}
	if site.master == "yarn" {
		set("spark.yarn.appMasterEnv.PYSPARK_PYTHON", executorPython)
	}
	set("spark.executorEnv.PYSPARK_PYTHON", executorPython)
	for k, v := range site.runVars {
		set("spark.executorEnv."+k, v)
		if cluster {
			set("spark.yarn.appMasterEnv."+k, v)
		}
	}
	if cluster {
		// The driver runs in a YARN container, where the run directory is out of reach: the
		// shim writes its records to stderr, and the supervisor moves them into metrics.jsonl.
		set("spark.yarn.appMasterEnv.AMLGO_RECORD_STREAM", "stderr")
	}
	zips := []sparksubmit.Zip{{Src: paths.WorkDir, Dest: join(relSparkSnapshot), Exclude: []string{"outputs", "logs"}}}
	pyFiles := []string{join(relSparkSnapshot)}
	if shimDir != "" {
		zips = append(zips, sparksubmit.Zip{Src: shimDir, Dest: join(relSparkShim)})
		pyFiles = append(pyFiles, join(relSparkShim))
	}
	var pkgs []sparksubmit.Package
	for _, p := range rc.Environment.Spark.Packages {
		pkgs = append(pkgs, sparksubmit.Package{Group: p.Group, Artifact: p.Artifact, Version: p.Version})
	}
	argv, err := sparksubmit.Submission{
		SparkSubmit: site.sparkSubmit, Master: site.master, DeployMode: site.deployMode, Conf: conf,
		Repositories: rc.Environment.Spark.Repositories, Packages: pkgs,
		PyFiles: pyFiles, Archives: archives,
		Script: rc.Script, Args: runconfig.ArgumentStrings(rc.Arguments),
	}.Argv()
	if err != nil {
		return nil, fmt.Errorf("compute: the Spark submission: %w", err)
	}
	job := &sparksubmit.Job{Submit: argv, Env: env, Zips: zips, Archive: archive, Cluster: cluster,
		RecordsFile: paths.Metrics, PollSeconds: site.pollSeconds}
	if site.master == "yarn" {
		job.YARN = sparksubmit.YARNCommands(site.yarn)
		job.AppIDFile, job.FinalStatusFile = join(relSparkAppID), join(relSparkFinal)
	}
	if cluster {
		job.SubmitLog = join(relSparkSubmitLog)
	}
	return job, nil
}

// sparkRunVars are the azureml variables of env that the Spark driver and executors get.
func sparkRunVars(env []string) map[string]string {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AZUREML_") {
			vars[k] = v
		}
	}
	return vars
}

// checkPySpark checks the Spark settings of a PySpark run; deployMode is the target's
// (hdi.yarnDeployMode; "" on local).
func checkPySpark(rc *runconfig.RunConfiguration, desc string, yarn bool) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, &unsupportedError{msg: "compute: " + fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(rc.Command) != "" {
		bad("command is not supported with framework PySpark on %s: spark-submit runs the script; set script (and arguments) instead", desc)
	}
	if strings.TrimSpace(rc.Script) == "" {
		bad("framework PySpark needs a script to submit")
	}
	if _, err := sparkConf(rc); err != nil {
		bad("%s", strings.TrimPrefix(err.Error(), "compute: "))
	}
	if yarn {
		if m := strings.ToLower(rc.HDI.YarnDeployMode); m != "" && m != "cluster" && m != "client" {
			bad("hdi.yarnDeployMode %q is neither cluster nor client", rc.HDI.YarnDeployMode)
		}
	}
	for _, p := range rc.Environment.Spark.Packages {
		if p.Group == "" || p.Artifact == "" || p.Version == "" {
			bad("environment.spark.packages entry %s:%s:%s needs a group, an artifact and a version", p.Group, p.Artifact, p.Version)
		}
	}
	return errs
}

// sparkWarnings lists what a PySpark run on desc does not use.
func sparkWarnings(rc *runconfig.RunConfiguration, desc string, yarn bool) []string {
	var w []string
	if m := strings.ToLower(rc.HDI.YarnDeployMode); yarn && (m == "" || m == "cluster") {
		w = append(w, fmt.Sprintf("hdi.yarnDeployMode is cluster: on %s the driver runs in a YARN container, so the files it writes under ./outputs "+
			"and ./logs (and Run.upload_file's) are not collected as the run's files; write them to the cluster's storage, or use hdi.yarnDeployMode client", desc))
	}
	if !yarn && rc.HDI.YarnDeployMode != "" && !strings.EqualFold(rc.HDI.YarnDeployMode, "cluster") {
		w = append(w, fmt.Sprintf("hdi.yarnDeployMode %q applies to HDInsight; %s runs Spark with master local[*]", rc.HDI.YarnDeployMode, desc))
	}
	return w
}
