package compute

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/remotehost"
	"github.com/amlgo/amlgo/runconfig"
)

// Start runs job on the VM: it prepares the environment there (a user-managed interpreter or a
// conda environment cached by hash), sends the snapshot files the VM's blob store lacks,
// materializes the working directory from that store, and starts the driver detached (in its
// own session), so that the run survives the SSH connection and this process. Progress is in
// azureml-logs/60_control_log.txt on the VM.
//
// A VM of an Azure workspace connects with the password given in this process (SetPassword)
// or else with the credentials the service's listKeys returns, kept in memory only; its host
// key must be trusted as SetHostKeys says (default ~/.ssh/known_hosts).
//
// A configuration that Check refuses is refused before anything is done on the VM; an
// environment that cannot be prepared gives an error matching ErrEnvironment.
func (d *DSVM) Start(ctx context.Context, job *Job) (_ Execution, err error) {
	defer func() { err = errtext.Public(err) }()
	return d.start(ctx, job, nil)
}

// remoteSpark turns a VM run into a Spark submission from the VM (an HDInsight head node).
type remoteSpark struct {
	// warnings are the target's Check warnings (Check already passed).
	warnings []string
	// command returns the driver's command for the prepared environment.
	command func(ctx context.Context, root string, paths driver.Paths, prep *remotehost.Prepared) ([]string, error)
	// prepared, when set, is called before the environment is prepared (autoPrepareEnvironment).
	prepared func(ctx context.Context, root string) error
}

// start is Start, or a Spark submission when sp is set.
func (d *DSVM) start(ctx context.Context, job *Job, sp *remoteSpark) (_ Execution, err error) {
	if d.remote == nil {
		return nil, fmt.Errorf("%w: running on VM target %q, which has no SSH connection settings (its attach did not complete); get it from the workspace with compute.Get, or attach it with compute.AttachRemote", ErrUnsupported, d.name)
	}
	if err := checkJob(job); err != nil {
		return nil, err
	}
	rc := job.RunConfig
	var warnings []string
	if sp != nil {
		warnings = sp.warnings
	} else if warnings, err = d.Check(ctx, rc); err != nil {
		return nil, err
	}
	log := d.opts.Logger
	if job.Logger != nil {
		log = job.Logger
	}
	if d.azure != nil && d.Host() == nil {
		// A VM of an Azure workspace was never checked by amlgo: check it once (this also
		// fetches its credentials from the service when the process has none).
		rep, err := d.checkHost(ctx)
		if err != nil {
			return nil, err
		}
		if rep.OS != "Linux" {
			return nil, fmt.Errorf("compute: VM target %q runs %q; only Linux VMs are supported", d.name, rep.OS)
		}
	}
	root, err := d.remote.Root(ctx)
	if err != nil {
		return nil, err
	}
	rundir := path.Join(root, "runs", job.RunID)
	paths := driver.SlashLayout(rundir)
	var ctlBuf bytes.Buffer
	control := newControlLog(&ctlBuf)
	logf := func(format string, args ...any) { fmt.Fprintf(control, format+"\n", args...) }
	fail := func(err error) (Execution, error) {
		d.flushControlLog(paths, ctlBuf.Bytes())
		return nil, err
	}
	logf("Starting run %s of experiment %s on target %s (%s@%s:%d)", job.RunID, job.Experiment, d.name, d.cfg.Username, d.cfg.Address, d.cfg.SSHPort)
	for _, w := range append(slices.Clone(job.Warnings), warnings...) {
		logf("Warning: %s", w)
	}

	if dockerEnabled(rc) && sp == nil {
		return d.startDocker(ctx, job, root, paths, &ctlBuf, logf)
	}
	if err := d.installSupport(ctx, root); err != nil {
		logf("Installing amlgo's driver on the VM failed: %v", err)
		return fail(err)
	}
	if sp != nil && sp.prepared != nil {
		if err := sp.prepared(ctx, root); err != nil {
			logf("%s", errtext.Clean(err.Error()))
			return fail(err)
		}
	}
	prep, err := d.prepareRemoteEnv(ctx, root, envSpec(rc), control)
	if err != nil {
		logf("Environment preparation failed: %s", errtext.Clean(err.Error()))
		return fail(environmentFailure(err))
	}
	logf("Using python interpreter %s", prep.Python)

	t0 := time.Now()
	blobs := path.Join(root, "blobs")
	nfiles, nbytes, err := d.syncBlobs(ctx, blobs, job)
	if err != nil {
		logf("Sending the snapshot failed: %v", err)
		return fail(err)
	}
	logf("Sent %d new snapshot files (%d bytes) to the VM's store in %s", nfiles, nbytes, time.Since(t0).Round(time.Millisecond))
	if err := d.materialize(ctx, job, blobs, paths.WorkDir); err != nil {
		logf("Restoring the snapshot failed: %v", err)
		return fail(err)
	}
	logf("Restored snapshot %s (%d files) into %s", job.Snapshot.ID, len(job.Snapshot.Files), paths.WorkDir)

	argv := remoteScriptCommand(rc, prep.Python)
	if sp != nil {
		if argv, err = sp.command(ctx, root, paths, prep); err != nil {
			logf("Preparing the Spark submission failed: %s", errtext.Clean(err.Error()))
			return fail(err)
		}
		logf("Running the script with spark-submit; its command line is the driver log's first line")
	} else if isMPI(rc) {
		host, err := d.checkHost(ctx)
		if err != nil {
			return fail(err)
		}
		if argv, err = mpiCommand(rc, argv, host, d.cfg.Username); err != nil {
			logf("%v", err)
			return fail(err)
		}
	}
	var maxDuration time.Duration
	if rc.MaxRunDurationSeconds != nil {
		maxDuration = time.Duration(*rc.MaxRunDurationSeconds) * time.Second
	}
	wrapper := paths.Command(argv, &driver.CommandOptions{MaxDuration: maxDuration, Grace: d.opts.CancelGracePeriod})
	logf("Launching %q", argv)
	shim := ""
	if !d.opts.DisableRunContextShim {
		shim = path.Join(root, "shim", driver.ShimVersion)
	}
	targetType := TypeVirtualMachine
	if sp != nil {
		targetType = TypeHDInsight
	}
	env := remoteRunEnv(job, prep, paths, shim, targetType)
	id, err := d.launch(ctx, root, paths, env, wrapper, ctlBuf.Bytes())
	if err != nil {
		return fail(err)
	}
	st := remoteState{Target: d.name, RunDir: rundir, Identity: id, LaunchedAt: time.Now().UTC()}
	log.DebugContext(ctx, "VM run started", "target", d.name, "run_id", job.RunID, "driver", id.String(), "dir", rundir)
	return newRemoteExecution(d, st), nil
}

// remoteScriptCommand is scriptCommand for the VM: slash paths whatever the local OS.
func remoteScriptCommand(rc *runconfig.RunConfiguration, python string) []string {
	if cmd := strings.TrimSpace(rc.Command); cmd != "" {
		return []string{"bash", "-c", cmd}
	}
	argv := []string{python, rc.Script}
	return append(argv, runconfig.ArgumentStrings(rc.Arguments)...)
}

// remoteRunEnv is the script's environment on the VM as shell assignments: azureml's run
// variables and the prepared environment on top of the login environment, then the run
// configuration's variables (which win). PATH and PYTHONPATH extend the login values.
func remoteRunEnv(job *Job, prep *remotehost.Prepared, paths driver.Paths, shimDir string, targetType Type) []string {
	vars := map[string]string{}
	for _, kv := range runEnv(nil, job, &envbuild.Prepared{Python: prep.Python}, paths, false) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	vars["AZUREML_TARGET_TYPE"] = string(targetType)
	for k, v := range prep.Env {
		vars[k] = v
	}
	user := map[string]bool{}
	for k, v := range job.RunConfig.Environment.EnvironmentVariables {
		vars[k], user[k] = v, true
	}
	for k, v := range job.RunConfig.EnvironmentVariables {
		vars[k], user[k] = v, true
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if !validEnvName(k) {
			continue
		}
		out = append(out, k+"="+shQuote(vars[k]))
	}
	if !user["PATH"] && prep.PathPrefix != "" {
		out = append(out, "PATH="+shQuote(prep.PathPrefix)+`:"$PATH"`)
	}
	if !user["PYTHONPATH"] && shimDir != "" {
		out = append(out, "PYTHONPATH="+shQuote(shimDir)+`"${PYTHONPATH:+:$PYTHONPATH}"`)
	}
	return out
}

func validEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// installSupport makes sure the VM has this version of amlgo's driver wrapper and run-context
// shim under root.
func (d *DSVM) installSupport(ctx context.Context, root string) error {
	return d.remote.InstallSupport(ctx, root)
}

// syncBlobs sends the VM's blob store the contents of job's snapshot it lacks.
func (d *DSVM) syncBlobs(ctx context.Context, blobs string, job *Job) (files, size int64, err error) {
	return d.remote.SyncBlobs(ctx, blobs, job.Snapshot, job.OpenFile, &d.stats)
}

// materialize rebuilds the snapshot's tree in dest on the VM from the blob store.
func (d *DSVM) materialize(ctx context.Context, job *Job, blobs, dest string) error {
	python3 := ""
	if host := d.Host(); host != nil {
		python3 = host.Python3
	}
	return d.remote.Materialize(ctx, job.Snapshot, python3, blobs, dest)
}

// launch starts the wrapper on the VM in its own session and returns its identity.
func (d *DSVM) launch(ctx context.Context, root string, paths driver.Paths, env, wrapper []string, control []byte) (driver.Identity, error) {
	return d.remote.Launch(ctx, root, paths, env, wrapper, control)
}

// flushControlLog appends what Start logged to the run's control log on the VM (best effort,
// for a Start that failed before launching).
func (d *DSVM) flushControlLog(paths driver.Paths, data []byte) {
	d.remote.FlushControlLog(paths, data)
}
