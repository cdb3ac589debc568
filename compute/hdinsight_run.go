package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/remotehost"
	"github.com/amlgo/amlgo/internal/sparksubmit"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// Running PySpark jobs on an HDInsight cluster. amlgo drives the cluster's head node over SSH
// with the VM target's machinery (internal/remotehost): the same run directory, blob store,
// environments cached by hash and detached driver wrapper. The driver's command is the Spark
// supervisor (internal/sparksubmit), which runs spark-submit --master yarn --deploy-mode
// <hdi.yarnDeployMode> on the head node, so that the job survives a dropped SSH connection and
// this process; observing, canceling and reattaching are the VM target's.

// HDInsightOptions tune an HDInsight target of a local workspace. The zero value gives the
// defaults.
type HDInsightOptions struct {
	// Password and PrivateKeyPassphrase supply the secrets the workspace does not store (see
	// DSVMOptions).
	Password             string
	PrivateKeyPassphrase string
	// CancelGracePeriod is the time between SIGTERM and SIGKILL of a canceled job's driver on the
	// head node, during which the YARN application is killed and its last logs are fetched.
	// Default DefaultHDInsightCancelGracePeriod.
	CancelGracePeriod time.Duration
	// RemoteDir is amlgo's directory on the head node (default ".azureml/amlgo").
	RemoteDir string
	// SparkSubmit and YARN are the head node's spark-submit and yarn commands (default
	// "spark-submit" and "yarn" on the login PATH).
	SparkSubmit, YARN string
	// Master is the Spark master (default "yarn"). A standalone master ("spark://host:7077")
	// runs Python applications in client mode only: runs then need hdi.yarnDeployMode client.
	Master string
	// LogPollInterval is the interval of the application master's log fetches in cluster mode
	// (default 2 s).
	LogPollInterval time.Duration
	// DisableRunContextShim leaves amlgo's azureml run-context shim out of the submission.
	DisableRunContextShim bool
	// Logger receives structured debug logs; nil discards them.
	Logger *slog.Logger
}

var _ Reattacher = (*HDInsight)(nil)

// hdiOptions remembers the options given to GetHDInsight (without secrets) by workspace and
// target, for the targets compute.Get makes.
var hdiOptions sync.Map

// DefaultHDInsightCancelGracePeriod is an HDInsight job's default CancelGracePeriod: enough
// for `yarn application -kill` and fetching the killed application's logs.
const DefaultHDInsightCancelGracePeriod = 60 * time.Second

// attachHDInsightLocal attaches a cluster to a local workspace by its SSH endpoint.
func attachHDInsightLocal(ctx context.Context, ws *workspace.Workspace, name string, cfg *HDInsightAttachConfig) (*HDInsight, error) {
	if err := checkTargetName(name); err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, errors.New("compute: nil HDInsightAttachConfig")
	}
	c := *cfg
	if c.Address == "" && c.ClusterName != "" {
		c.Address = c.ClusterName + "-ssh.azurehdinsight.net"
	}
	if c.ResourceID != "" {
		return nil, fmt.Errorf("%w: attaching HDInsight by resource_id needs an Azure workspace; on a local workspace give the cluster's SSH address", ErrInvalidAttachConfig)
	}
	d, err := attachSSH(ctx, ws, name, c.remote(), TypeHDInsight)
	if err != nil {
		return nil, err
	}
	_ = d.Close()
	return GetHDInsight(ctx, ws, name, nil)
}

// remote is the SSH part of the configuration.
func (c HDInsightAttachConfig) remote() RemoteAttachConfig {
	return RemoteAttachConfig{Address: c.Address, SSHPort: c.SSHPort, Username: c.Username, Password: c.Password,
		PrivateKeyFile: c.PrivateKeyFile, PrivateKeyPassphrase: c.PrivateKeyPassphrase,
		KnownHostsFile: c.KnownHostsFile, HostKey: c.HostKey, InsecureIgnoreHostKey: c.InsecureIgnoreHostKey}
}

// GetHDInsight returns the HDInsight target name of a local workspace with options. opts may
// be nil. Options given here are remembered for the rest of the process (secrets in memory
// only), so that compute.Get — and experiment's Submit and reattaching — use them too; nil
// options use the remembered ones.
func GetHDInsight(ctx context.Context, ws *workspace.Workspace, name string, opts *HDInsightOptions) (_ *HDInsight, err error) {
	defer func() { err = errtext.Public(err) }()
	if ws == nil {
		return nil, errors.New("compute: nil workspace")
	}
	rec, err := storedCompute(ctx, ws, name)
	if err != nil {
		return nil, err
	}
	if rec.Type != string(TypeHDInsight) {
		return nil, fmt.Errorf("compute: compute target %q has type %s, not %s", name, rec.Type, TypeHDInsight)
	}
	return loadHDInsight(ws, rec, opts)
}

func loadHDInsight(ws *workspace.Workspace, rec store.Compute, opts *HDInsightOptions) (*HDInsight, error) {
	var o HDInsightOptions
	key := secretKey(ws, rec.Name)
	if opts != nil {
		o = *opts
		if o.Password != "" || o.PrivateKeyPassphrase != "" {
			rememberSecrets(ws, rec.Name, o.Password, o.PrivateKeyPassphrase)
		}
		kept := o
		kept.Password, kept.PrivateKeyPassphrase = "", ""
		hdiOptions.Store(key, kept)
	} else if kept, ok := hdiOptions.Load(key); ok {
		o = kept.(HDInsightOptions)
	}
	if o.CancelGracePeriod <= 0 {
		o.CancelGracePeriod = DefaultHDInsightCancelGracePeriod
	}
	d, err := loadDSVM(ws, rec, &DSVMOptions{Password: o.Password, PrivateKeyPassphrase: o.PrivateKeyPassphrase,
		CancelGracePeriod: o.CancelGracePeriod, RemoteDir: o.RemoteDir, DisableRunContextShim: o.DisableRunContextShim, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	o.Password, o.PrivateKeyPassphrase = "", ""
	return &HDInsight{name: rec.Name, ws: ws, address: d.cfg.Address, sshPort: d.cfg.SSHPort, username: d.cfg.Username, vm: d, opts: o}, nil
}

// Close closes the target's SSH connection (it is re-dialed when needed).
func (h *HDInsight) Close() error {
	if h.vm == nil {
		return nil
	}
	return h.vm.Close()
}

// Check reports what the cluster cannot run in rc and the settings of rc it ignores; see
// Checker. Start runs the same check. Only framework PySpark runs on HDInsight.
func (h *HDInsight) Check(_ context.Context, rc *runconfig.RunConfiguration) ([]string, error) {
	warnings, err := checkSDKDriven(rc, sdkTarget{desc: fmt.Sprintf("HDInsight target %q", h.name), vm: h.name, hdi: true})
	if err != nil {
		return warnings, err
	}
	if h.master() != "yarn" && h.deployMode(rc) == "cluster" {
		return warnings, &unsupportedError{msg: fmt.Sprintf("compute: hdi.yarnDeployMode cluster needs YARN, but HDInsight target %q submits to the Spark master %s, "+
			"which runs Python applications in client mode only; set hdi.yarnDeployMode client", h.name, h.master())}
	}
	return warnings, nil
}

func (h *HDInsight) master() string {
	if h.opts.Master == "" {
		return "yarn"
	}
	return h.opts.Master
}

// deployMode is rc's hdi.yarnDeployMode, lower case, default cluster.
func (h *HDInsight) deployMode(rc *runconfig.RunConfiguration) string {
	if m := strings.ToLower(rc.HDI.YarnDeployMode); m != "" {
		return m
	}
	return "cluster"
}

// Start submits job, a PySpark run, from the cluster's head node: it prepares the environment
// there (a user-managed interpreter, or a conda environment cached by hash that is shipped to
// YARN as an archive for PYSPARK_PYTHON), sends the snapshot, and starts the Spark supervisor
// detached under amlgo's driver. With autoPrepareEnvironment false, a conda environment must
// already be prepared on the head node. A framework other than PySpark is refused.
func (h *HDInsight) Start(ctx context.Context, job *Job) (_ Execution, err error) {
	defer func() { err = errtext.Public(err) }()
	if err := checkJob(job); err != nil {
		return nil, err
	}
	rc := job.RunConfig
	warnings, err := h.Check(ctx, rc)
	if err != nil {
		return nil, err
	}
	if h.vm == nil {
		return nil, unsupported("HDInsight target %q of an Azure workspace has no SSH settings in amlgo; attach the cluster to a local workspace "+
			"by its SSH address (compute.AttachHDInsight) to run jobs on it", h.name)
	}
	sp := &remoteSpark{warnings: warnings,
		command: func(ctx context.Context, root string, paths driver.Paths, prep *remotehost.Prepared) ([]string, error) {
			return h.sparkCommand(ctx, job, root, paths, prep)
		}}
	if rc.AutoPrepareEnvironment != nil && !*rc.AutoPrepareEnvironment && !rc.Environment.Python.UserManagedDependencies {
		sp.prepared = func(ctx context.Context, root string) error {
			name, ready, err := h.vm.remote.CondaEnvReady(ctx, root, envSpec(rc).Conda)
			if err != nil || ready {
				return err
			}
			return &environmentError{err: fmt.Errorf("compute: autoPrepareEnvironment is false, and conda environment %s is not prepared on HDInsight target %q; "+
				"leave autoPrepareEnvironment unset (or true) for amlgo to build it, or run once with it", name, h.name)}
		}
	}
	return h.vm.start(ctx, job, sp)
}

// sparkCommand writes the supervisor and its job into the run directory on the head node.
func (h *HDInsight) sparkCommand(ctx context.Context, job *Job, root string, paths driver.Paths, prep *remotehost.Prepared) ([]string, error) {
	rc := job.RunConfig
	shim := ""
	if !h.opts.DisableRunContextShim {
		shim = path.Join(root, "shim", driver.ShimVersion)
	}
	site := sparkSite{
		sparkSubmit: h.opts.SparkSubmit, master: h.master(), deployMode: h.deployMode(rc), yarn: h.opts.YARN,
		python: prep.Python, envPrefix: prep.Env["CONDA_PREFIX"],
		runVars:     sparkRunVars(runEnv(nil, job, &envbuild.Prepared{}, paths, false)),
		pollSeconds: h.opts.LogPollInterval.Seconds(),
	}
	site.runVars["AZUREML_TARGET_TYPE"] = string(TypeHDInsight)
	if site.master != "yarn" {
		site.yarn = ""
	}
	sj, err := sparkJob(rc, paths, site, shim)
	if err != nil {
		return nil, err
	}
	data, err := sj.Marshal()
	if err != nil {
		return nil, err
	}
	sup, jobFile := path.Join(paths.RunDir, relSparkSupervisor), path.Join(paths.RunDir, relSparkJob)
	if err := h.vm.remote.WriteFiles(ctx, map[string][]byte{sup: sparksubmit.Supervisor(), jobFile: data}); err != nil {
		return nil, fmt.Errorf("compute: writing the Spark supervisor on HDInsight target %q: %w", h.name, err)
	}
	python3 := "python3"
	if host := h.vm.Host(); host != nil && host.Python3 != "" {
		python3 = host.Python3
	}
	return []string{python3, sup, jobFile}, nil
}

// Reattach resumes observing a job on the cluster from its State, e.g. in a new process: the
// supervisor on the head node went on submitting, fetching the application's logs and
// recording its final status meanwhile.
func (h *HDInsight) Reattach(ctx context.Context, state json.RawMessage) (Execution, error) {
	if h.vm == nil {
		return nil, unsupported("HDInsight target %q has no SSH settings in amlgo", h.name)
	}
	return h.vm.Reattach(ctx, state)
}

// YARNApplication returns the YARN application id of a run on the cluster ("" before
// spark-submit reported one, or when the master is not YARN), read from the run directory on
// the head node.
func (h *HDInsight) YARNApplication(ctx context.Context, e Execution) (string, error) {
	o, ok := e.(RunFileOpener)
	if !ok {
		return "", fmt.Errorf("compute: %T is not an execution of HDInsight target %q", e, h.name)
	}
	r, err := o.OpenRunFile(ctx, relSparkAppID)
	if err != nil {
		return "", nil
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	return sparksubmit.ApplicationID(string(b)), nil
}
