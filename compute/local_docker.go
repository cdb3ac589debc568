package compute

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/rundir"
)

// localEngines caches one engine connection per address in this process.
var localEngines sync.Map // host -> *dockerexec.Engine

// localEngine connects to the Docker engine at host (see dockerexec.ResolveHost), once per
// process and address.
func localEngine(ctx context.Context, host string, opts *LocalOptions) (*dockerexec.Engine, error) {
	host = dockerexec.ResolveHost(host)
	if e, ok := localEngines.Load(host); ok {
		return e.(*dockerexec.Engine), nil
	}
	e, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: host, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	if old, loaded := localEngines.LoadOrStore(host, e); loaded {
		e.Close()
		return old.(*dockerexec.Engine), nil
	}
	return e, nil
}

// dockerLockDir holds the image build locks of this machine's engines.
func (l *Local) dockerLockDir() (string, error) {
	if l.opts.EnvCacheDir != "" {
		return filepath.Join(l.opts.EnvCacheDir, "docker-locks"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("compute: no cache directory for Docker image locks (set LocalOptions.EnvCacheDir): %w", err)
	}
	return filepath.Join(d, "amlgo", "docker-locks"), nil
}

// startDocker runs job in a container on the local engine: the image is made (pulled, built
// once per content), the project is mounted or copied in, and the driver runs in the container
// with the run directory mounted, so the run is observed, canceled and reattached like a
// native one.
func (l *Local) startDocker(ctx context.Context, job *Job, rd string, paths driver.Paths, control io.Writer, logf func(string, ...any)) (Execution, error) {
	rc := job.RunConfig
	eng, err := localEngine(ctx, l.opts.DockerHost, &l.opts)
	if err != nil {
		logf("Docker: %s", errtext.Clean(err.Error()))
		return nil, dockerFailure(err)
	}
	logf("Using the Docker engine at %s (API %s)", eng.Host(), eng.APIVersion())
	lockDir, err := l.dockerLockDir()
	if err != nil {
		return nil, err
	}
	spec := dockerImageSpec(rc)
	t0 := time.Now()
	img, err := eng.EnsureImage(ctx, spec, &dockerexec.EnsureOptions{
		Log: control,
		Lock: func(ctx context.Context, key string) (func(), error) {
			if err := os.MkdirAll(lockDir, 0o755); err != nil {
				return nil, err
			}
			return envbuild.LockFile(ctx, filepath.Join(lockDir, dockerLockName(eng.Host(), key)), nil)
		},
	})
	if err != nil {
		logf("Docker image preparation failed: %s", errtext.Clean(err.Error()))
		return nil, dockerFailure(err)
	}
	logf("Using image %s (%s in %s)", img.Name, imageHow(img), time.Since(t0).Round(time.Millisecond))

	shared, _, _ := dockerRunSettings(rc)
	if shared {
		if err := job.Snapshot.Materialize(ctx, paths.WorkDir, job.OpenFile); err != nil {
			return nil, fmt.Errorf("compute: restoring snapshot %s: %w", job.Snapshot.ID, err)
		}
		logf("Restored snapshot %s (%d files) into %s, mounted at %s", job.Snapshot.ID, len(job.Snapshot.Files), paths.WorkDir, dockerexec.ContainerRunDir+"/wd")
	}
	if err := driver.WriteWrapper(paths.Wrapper); err != nil {
		return nil, fmt.Errorf("compute: writing driver: %w", err)
	}
	shimDir := ""
	if !l.opts.DisableRunContextShim {
		if err := driver.InstallShim(paths.ShimDir); err != nil {
			return nil, fmt.Errorf("compute: installing run-context shim: %w", err)
		}
		shimDir = paths.ShimDir
	}
	user := ""
	if uid := os.Getuid(); uid != 0 {
		user = uidGid(uid, os.Getgid())
	}
	cspec, err := dockerContainerSpec(job, img.Name, rd, shimDir, user, "local", l.opts.CancelGracePeriod)
	if err != nil {
		logf("%s", errtext.Clean(err.Error()))
		return nil, dockerFailure(err)
	}
	var copyIn io.ReadCloser
	if !shared {
		copyIn = snapshotTar(ctx, job, dockerexec.ContainerWorkDir[1:], max(os.Getuid(), 0), max(os.Getgid(), 0))
		defer copyIn.Close()
		logf("Copying snapshot %s (%d files) into the container at %s", job.Snapshot.ID, len(job.Snapshot.Files), dockerexec.ContainerWorkDir)
	}
	logf("Starting container %s: %q", cspec.Name, cspec.Cmd[3:])
	var in io.Reader
	if copyIn != nil {
		in = copyIn
	}
	ex, err := dockerexec.Start(ctx, dockerexec.Launch{
		Engine:    eng,
		Container: cspec,
		CopyIn:    in,
		State: dockerexec.State{
			RunDir: rd, Container: cspec.Name, Engine: eng.Host(),
			GraceSeconds: int(l.opts.CancelGracePeriod / time.Second), Keep: l.opts.KeepContainers,
		},
		Files: localDockerFiles(paths),
	})
	if err != nil {
		logf("Starting the container failed: %s", errtext.Clean(err.Error()))
		return nil, dockerFailure(err)
	}
	l.opts.Logger.DebugContext(ctx, "local docker run started", "run_id", job.RunID, "container", cspec.Name, "image", img.Name)
	return &dockerExecution{ex: ex, runDir: rd}, nil
}

// dockerLockName is the lock file of an image on an engine.
func dockerLockName(host, image string) string {
	return fmt.Sprintf("%x.lock", hashString(host+"\n"+image))
}

func imageHow(img *dockerexec.Image) string {
	switch {
	case img.Built && img.Pulled:
		return "pulled the base image and built"
	case img.Built:
		return "built"
	case img.Pulled:
		return "pulled"
	}
	return "already on the engine, nothing built"
}

// localDockerFiles is a local run directory as a docker execution uses it.
func localDockerFiles(paths driver.Paths) dockerexec.Files {
	return dockerexec.Files{
		FS: rundir.OSFS{},
		WriteFile: func(_ context.Context, path string, data []byte) error {
			return rundir.WriteFileAtomic(path, data)
		},
		Collect: func(ctx context.Context, put func(string, io.Reader) error) error {
			return rundir.CollectLocal(ctx, paths, put)
		},
	}
}

// reattachLocalDocker resumes a local docker execution from its state.
func (l *Local) reattachLocalDocker(ctx context.Context, state json.RawMessage) (Execution, error) {
	st, err := dockerexec.ParseState(state)
	if err != nil {
		return nil, err
	}
	eng, err := localEngine(ctx, st.Engine, &l.opts)
	if err != nil {
		return nil, err
	}
	return &dockerExecution{ex: dockerexec.Resume(eng, st, localDockerFiles(driver.Layout(st.RunDir))), runDir: st.RunDir}, nil
}

// dockerExecution is a job in a container, observed through its run directory.
type dockerExecution struct {
	ex     *dockerexec.Execution
	runDir string                                                       // local run directory ("" on a VM)
	open   func(ctx context.Context, rel string) (io.ReadCloser, error) // run files on a VM
	retry  func(ctx context.Context, fn func() error) error             // repeats an observation after a dropped connection (VM)
}

var (
	_ Execution       = (*dockerExecution)(nil)
	_ OutputCollector = (*dockerExecution)(nil)
	_ RunFileOpener   = (*dockerExecution)(nil)
)

// State returns the run directory, the container and the engine.
func (e *dockerExecution) State() json.RawMessage { return e.ex.State() }

// Observe reads the run directory; the engine says whether the container runs.
func (e *dockerExecution) Observe(ctx context.Context, cur Cursor) (*Observation, error) {
	if e.retry == nil {
		obs, err := e.ex.Observe(ctx, toRunDirCursor(cur))
		return fromRunDirObservation(obs), err
	}
	var obs *Observation
	err := e.retry(ctx, func() error {
		o, err := e.ex.Observe(ctx, toRunDirCursor(cur))
		obs = fromRunDirObservation(o)
		return err
	})
	return obs, err
}

// Cancel asks the driver in the container to stop (kill file); a container that does not stop
// within the grace period is killed through the engine.
func (e *dockerExecution) Cancel(ctx context.Context) error { return e.ex.Cancel(ctx) }

// CollectOutputs hands put the run's files, then removes the container.
func (e *dockerExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	return e.ex.CollectOutputs(ctx, put)
}

// OpenRunFile opens a file of the run directory; rel must stay inside it.
func (e *dockerExecution) OpenRunFile(ctx context.Context, rel string) (io.ReadCloser, error) {
	if e.open != nil {
		return e.open(ctx, rel)
	}
	name, err := rundir.JoinRunFile(e.runDir, rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	return f, nil
}
