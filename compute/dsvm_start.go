package compute

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/runconfig"
)

// driverVersion identifies the wrapper script's content.
var driverVersion = func() string {
	s := sha256.Sum256(driver.WrapperScript)
	return "driver-" + hex.EncodeToString(s[:])[:12]
}()

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
	if d.remote == nil {
		return nil, fmt.Errorf("%w: running on VM target %q, which has no SSH connection settings (its attach did not complete); get it from the workspace with compute.Get, or attach it with compute.AttachRemote", ErrUnsupported, d.name)
	}
	if err := checkJob(job); err != nil {
		return nil, err
	}
	rc := job.RunConfig
	warnings, err := d.Check(ctx, rc)
	if err != nil {
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
	root, err := d.remote.root(ctx)
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

	if err := d.installSupport(ctx, root); err != nil {
		logf("Installing amlgo's driver on the VM failed: %v", err)
		return fail(err)
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
	if isMPI(rc) {
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
	env := remoteRunEnv(job, prep, paths, shim)
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
func remoteRunEnv(job *Job, prep *remotePrepared, paths driver.Paths, shimDir string) []string {
	vars := map[string]string{}
	for _, kv := range runEnv(nil, job, &envbuild.Prepared{Python: prep.Python}, paths, false) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	vars["AZUREML_TARGET_TYPE"] = "VirtualMachine"
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
// shim under root (sent once per version; a version directory appears only complete).
func (d *DSVM) installSupport(ctx context.Context, root string) error {
	key := driverVersion + "/" + driver.ShimVersion
	if d.remote.known(key) {
		return nil
	}
	drv := path.Join(root, "driver", driverVersion)
	shim := path.Join(root, "shim", driver.ShimVersion)
	check := "test -f " + shQuote(path.Join(drv, "driver.sh")) + " && test -f " + shQuote(path.Join(shim, driver.ShimVersionFile))
	if _, err := d.remote.output(ctx, check, nil); err == nil {
		d.remote.setKnown(key)
		return nil
	}
	var tarball bytes.Buffer
	if err := writeSupportTar(&tarball); err != nil {
		return fmt.Errorf("compute: packing amlgo's driver: %w", err)
	}
	script := `set -e
R=$1 dv=$2 sv=$3
mkdir -p "$R/driver" "$R/shim"
T=$(mktemp -d "$R/.install.XXXXXX")
trap 'rm -rf "$T"' EXIT
tar -x -f - -C "$T"
[ -e "$R/driver/$dv" ] || mv -f "$T/driver/$dv" "$R/driver/$dv" 2>/dev/null || [ -e "$R/driver/$dv" ]
[ -e "$R/shim/$sv" ] || mv -f "$T/shim/$sv" "$R/shim/$sv" 2>/dev/null || [ -e "$R/shim/$sv" ]
`
	cmd := "sh -c " + shQuote(script) + " amlgo-install " + sshx.QuoteArgs(root, driverVersion, driver.ShimVersion)
	if _, err := d.remote.output(ctx, cmd, tarball.Bytes()); err != nil {
		return fmt.Errorf("compute: installing amlgo's driver and run-context shim on the VM: %w", err)
	}
	d.remote.setKnown(key)
	return nil
}

// writeSupportTar packs driver/<version>/driver.sh and shim/<version>/azureml/... (with the
// version marker).
func writeSupportTar(w *bytes.Buffer) error {
	tw := newTarWriter(w)
	if err := tw.file("driver/"+driverVersion+"/driver.sh", 0o755, driver.WrapperScript); err != nil {
		return err
	}
	err := fs.WalkDir(driver.ShimFS, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := fs.ReadFile(driver.ShimFS, p)
		if err != nil {
			return err
		}
		return tw.file("shim/"+driver.ShimVersion+"/"+p, 0o644, data)
	})
	if err != nil {
		return err
	}
	if err := tw.file("shim/"+driver.ShimVersion+"/"+driver.ShimVersionFile, 0o644, []byte(driver.ShimVersion+"\n")); err != nil {
		return err
	}
	return tw.Close()
}

// materialize rebuilds the snapshot's tree in dest on the VM from the blob store, with the VM's
// python when it has one (one process for the whole tree), else with a shell script.
func (d *DSVM) materialize(ctx context.Context, job *Job, blobs, dest string) error {
	host := d.Host()
	var cmd string
	var stdin []byte
	if host != nil && host.Python3 != "" {
		cmd = sshx.QuoteArgs(host.Python3, "-c", materializeScript, blobs, dest)
		stdin = materializeInput(job.Snapshot)
	} else {
		cmd = "sh -s"
		stdin = materializeShell(job.Snapshot, blobs, dest)
	}
	cmd = "mkdir -p " + shQuote(dest) + " && " + cmd
	if _, err := d.remote.output(ctx, cmd, stdin); err != nil {
		return fmt.Errorf("compute: restoring snapshot %s on the VM: %w", job.Snapshot.ID, err)
	}
	return nil
}

// launchScript creates the run directory's support files and starts the driver detached, once:
// a repeated launch (after a dropped connection) only reports the identity of the first. The
// identity (pid, start time, boot id; see driver.Identity) is taken while the driver is still an
// unreaped child of this shell, so it is valid before the wrapper has run a single line.
// Arguments: run dir, driver.sh source; stdin: the control log so far; $AMLGO_LAUNCH: the
// assignments and wrapper command line.
var launchScript = driver.ProcFuncs + `R=$1 D=$2 S=$1/azureml-setup
mkdir -p "$S" "$R/azureml-logs" "$R/wd" || exit 1
if ( set -C; : >"$S/launched" ) 2>/dev/null; then
  cat >>"$R/azureml-logs/60_control_log.txt"
  cp -f "$D" "$S/driver.sh" || exit 1
  cd "$R" || exit 1
  ( eval "$AMLGO_LAUNCH" ) </dev/null >>"$R/azureml-logs/60_control_log.txt" 2>&1 &
  _amlgo_identity $! >"$S/launched.tmp" && mv -f "$S/launched.tmp" "$S/launched"
else
  cat >/dev/null
fi
i=0
while [ ! -s "$S/launched" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
cat "$S/launched"
`

// launch starts the wrapper on the VM in its own session and returns its identity.
func (d *DSVM) launch(ctx context.Context, root string, paths driver.Paths, env, wrapper []string, control []byte) (driver.Identity, error) {
	line := ""
	if len(env) > 0 {
		line = "export " + strings.Join(env, " ") + "; "
	}
	line += "exec setsid " + sshx.QuoteArgs(wrapper...)
	cmd := remotePathSetup + "AMLGO_LAUNCH=" + shQuote(line) + "; export AMLGO_LAUNCH\n" +
		"sh -c " + shQuote(launchScript) + " amlgo-launch " +
		sshx.QuoteArgs(paths.RunDir, path.Join(root, "driver", driverVersion, "driver.sh"))
	out, err := d.remote.output(ctx, "sh -c "+shQuote(cmd), control)
	if err != nil {
		return driver.Identity{}, fmt.Errorf("compute: starting the driver on VM target %q: %w", d.name, err)
	}
	id, err := driver.ParseLaunchRecord(out)
	if err != nil {
		return driver.Identity{}, fmt.Errorf("compute: starting the driver on VM target %q: unexpected launch record %q", d.name, out)
	}
	return id, nil
}

// flushControlLog appends what Start logged to the run's control log on the VM (best effort,
// for a Start that failed before launching).
func (d *DSVM) flushControlLog(paths driver.Paths, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := "mkdir -p " + shQuote(paths.AzureLogs) + " && cat >>" + shQuote(paths.ControlLog)
	_ = d.remote.run(ctx, cmd, bytes.NewReader(data), nil)
}
