package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/localexec"
	"github.com/amlgo/amlgo/workspace"
)

// DefaultCancelGracePeriod is how long a canceled script has between SIGTERM and SIGKILL.
const DefaultCancelGracePeriod = 10 * time.Second

// Local is the reserved "local" target: it runs jobs on this machine.
//
// Each run gets a directory <workspace>/runs/<run id> holding the restored snapshot (wd/, the
// script's working directory), the driver wrapper, the logs and the metric records. The driver
// runs in its own session and process group, so the script survives the SDK process that started
// it; any process that opens the workspace can observe it again (Reattach).
type Local struct {
	runsDir string
	opts    LocalOptions
}

var (
	_ ComputeTarget = (*Local)(nil)
	_ Reattacher    = (*Local)(nil)
)

// LocalOptions configure the local target. The zero value gives the defaults.
type LocalOptions struct {
	// EnvCacheDir holds system-managed conda environments, shared by every run and workspace.
	// Default: the user cache directory's amlgo/envs.
	EnvCacheDir string
	// CancelGracePeriod is the time between SIGTERM and SIGKILL when a run is canceled or
	// exceeds its maximum duration. Default DefaultCancelGracePeriod.
	CancelGracePeriod time.Duration
	// DisableRunContextShim leaves amlgo's azureml run-context shim off the script's PYTHONPATH,
	// for scripts that bring their own azureml packages.
	DisableRunContextShim bool
	// DockerHost is the Docker engine of docker-enabled runs ("unix:///var/run/docker.sock",
	// "tcp://host:2375"); "" = DOCKER_HOST, else /var/run/docker.sock.
	DockerHost string
	// KeepContainers leaves each docker-enabled run's container (amlgo-<run id>) on the engine
	// after the run, for debugging; by default it is removed once the outputs are collected.
	KeepContainers bool
	// LookPath finds executables (python, conda); default exec.LookPath.
	LookPath func(string) (string, error)
	// Logger receives structured debug logs; nil discards them.
	Logger *slog.Logger
}

// NewLocal returns the local target of ws. opts may be nil.
func NewLocal(ws *workspace.Workspace, opts *LocalOptions) (*Local, error) {
	if ws == nil {
		return nil, errors.New("compute: nil workspace")
	}
	var o LocalOptions
	if opts != nil {
		o = *opts
	}
	if o.CancelGracePeriod <= 0 {
		o.CancelGracePeriod = DefaultCancelGracePeriod
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Local{runsDir: ws.RunsDir(), opts: o}, nil
}

// Name returns "local".
func (l *Local) Name() string { return "local" }

// Type returns TypeLocal.
func (l *Local) Type() Type { return TypeLocal }

// Capabilities of the local machine, as azureml-core documents them.
func (l *Local) Capabilities() Capabilities {
	return Capabilities{GPU: true, ModelSelection: true}
}

// Status is always Succeeded: the local machine needs no provisioning.
func (l *Local) Status(context.Context) (ProvisioningState, error) {
	return ProvisioningSucceeded, nil
}

// Start prepares the run directory and environment and launches the driver detached.
// Environment preparation (a conda build, the first time a spec is used) happens here, with its
// output in azureml-logs/60_control_log.txt. A configuration that Check refuses is refused
// before anything is written; an environment that cannot be prepared gives an error matching
// ErrEnvironment.
func (l *Local) Start(ctx context.Context, job *Job) (_ Execution, err error) {
	defer func() { err = errtext.Public(err) }()
	if err := checkJob(job); err != nil {
		return nil, err
	}
	rc := job.RunConfig
	warnings, err := l.Check(ctx, rc)
	if err != nil {
		return nil, err
	}
	rd := filepath.Join(l.runsDir, job.RunID)
	paths := driver.Layout(rd)
	for _, d := range []string{rd, paths.SetupDir, paths.AzureLogs, paths.WorkDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("compute: creating run directory: %w", err)
		}
	}
	controlFile, err := os.OpenFile(paths.ControlLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("compute: opening control log: %w", err)
	}
	defer controlFile.Close()
	control := newControlLog(controlFile)
	logf := func(format string, args ...any) { fmt.Fprintf(control, format+"\n", args...) }
	logf("Starting run %s of experiment %s on target local", job.RunID, job.Experiment)
	for _, w := range append(slices.Clone(job.Warnings), warnings...) {
		logf("Warning: %s", w)
	}

	if dockerEnabled(rc) {
		return l.startDocker(ctx, job, rd, paths, control, logf)
	}
	prep, err := envbuild.Prepare(ctx, envSpec(rc), &envbuild.Options{
		CacheDir:   l.opts.EnvCacheDir,
		ControlLog: control,
		Logger:     l.opts.Logger,
		LookPath:   l.opts.LookPath,
	})
	if err != nil {
		logf("Environment preparation failed: %s", errtext.Clean(err.Error()))
		return nil, environmentFailure(err)
	}
	logf("Using python interpreter %s", prep.Python)

	if err := job.Snapshot.Materialize(ctx, paths.WorkDir, job.OpenFile); err != nil {
		return nil, fmt.Errorf("compute: restoring snapshot %s: %w", job.Snapshot.ID, err)
	}
	logf("Restored snapshot %s (%d files) into %s", job.Snapshot.ID, len(job.Snapshot.Files), paths.WorkDir)
	if err := driver.WriteWrapper(paths.Wrapper); err != nil {
		return nil, fmt.Errorf("compute: writing driver: %w", err)
	}
	if !l.opts.DisableRunContextShim {
		if err := driver.InstallShim(paths.ShimDir); err != nil {
			return nil, fmt.Errorf("compute: installing run-context shim: %w", err)
		}
	}

	argv := scriptCommand(rc, prep.Python)
	env := runEnv(os.Environ(), job, prep, paths, !l.opts.DisableRunContextShim)
	if isPySpark(rc) {
		var extra []string
		if argv, extra, err = l.localSparkCommand(ctx, rc, paths, prep.Python, env); err != nil {
			logf("Submitting to Spark failed: %s", errtext.Clean(err.Error()))
			return nil, err
		}
		env = append(env, extra...)
		logf("Running the script with spark-submit (master local[*]); its command line is the driver log's first line")
	}
	var maxDuration time.Duration
	if rc.MaxRunDurationSeconds != nil {
		maxDuration = time.Duration(*rc.MaxRunDurationSeconds) * time.Second
	}
	wrapper := paths.Command(argv, &driver.CommandOptions{MaxDuration: maxDuration, Grace: l.opts.CancelGracePeriod})
	logf("Launching %q", argv)
	ex, err := localexec.Start(ctx, localexec.Launch{
		RunDir:      rd,
		Command:     wrapper,
		Env:         env,
		Diagnostics: controlFile, // the wrapper's own diagnostics; the script's output goes to the driver log
		Logger:      l.opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	l.opts.Logger.DebugContext(ctx, "local run started", "run_id", job.RunID, "pid", ex.PID(), "dir", rd)
	return &localExecution{ex}, nil
}

// Reattach resumes observing a local execution from its State.
func (l *Local) Reattach(ctx context.Context, state json.RawMessage) (Execution, error) {
	if isDockerState(state) {
		return l.reattachLocalDocker(ctx, state)
	}
	st, err := localexec.ParseState(state)
	if err != nil {
		return nil, err
	}
	return &localExecution{localexec.Resume(st)}, nil
}

// localExecution is a job on the local target: the driver runs detached on this machine and is
// observed through its run directory (internal/localexec, internal/rundir).
type localExecution struct{ ex *localexec.Execution }

var (
	_ Execution       = (*localExecution)(nil)
	_ OutputCollector = (*localExecution)(nil)
	_ RunFileOpener   = (*localExecution)(nil)
)

// State returns the run directory and the driver's identity.
func (e *localExecution) State() json.RawMessage { return e.ex.State() }

// Observe reads the run directory.
func (e *localExecution) Observe(ctx context.Context, cur Cursor) (*Observation, error) {
	obs, err := e.ex.Observe(ctx, toRunDirCursor(cur))
	return fromRunDirObservation(obs), err
}

// Cancel asks the driver to stop (kill file); a driver already gone is stood in for.
func (e *localExecution) Cancel(ctx context.Context) error { return e.ex.Cancel(ctx) }

// CollectOutputs hands put the script's outputs/ and logs/ and the azureml-logs files.
func (e *localExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	return e.ex.CollectOutputs(ctx, put)
}

// OpenRunFile opens a file of the run directory; rel must stay inside it.
func (e *localExecution) OpenRunFile(ctx context.Context, rel string) (io.ReadCloser, error) {
	return e.ex.OpenRunFile(ctx, rel)
}

func checkJob(job *Job) error {
	switch {
	case job == nil:
		return errors.New("compute: nil job")
	case job.RunID == "" || filepath.Base(job.RunID) != job.RunID || job.RunID == "." || job.RunID == "..":
		return fmt.Errorf("compute: invalid run id %q", job.RunID)
	case job.RunConfig == nil:
		return errors.New("compute: job has no run configuration")
	case job.Snapshot == nil || job.OpenFile == nil:
		return errors.New("compute: job has no snapshot")
	}
	return nil
}
