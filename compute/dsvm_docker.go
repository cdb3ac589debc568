package compute

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/remotehost"
	"github.com/amlgo/amlgo/internal/rundir"
	"github.com/amlgo/amlgo/internal/sshx"
)

// defaultVMDockerSocket is the VM's Docker engine socket unless DSVMOptions.DockerHost says.
const defaultVMDockerSocket = "/var/run/docker.sock"

// dockerSocket is the VM's engine socket path, from DSVMOptions.DockerHost ("unix:///path" or
// a path).
func (d *DSVM) dockerSocket() string {
	h := strings.TrimPrefix(d.opts.DockerHost, "unix://")
	if h == "" {
		return defaultVMDockerSocket
	}
	return h
}

// dockerEngine reaches the VM's Docker engine: its unix socket, forwarded over the target's
// SSH connection (no engine port is opened on the network, and the VM's user needs only
// access to the socket — the docker group).
func (d *DSVM) dockerEngine(ctx context.Context) (*dockerexec.Engine, error) {
	d.mu.Lock()
	eng := d.engine
	d.mu.Unlock()
	if eng != nil {
		return eng, nil
	}
	sock := d.dockerSocket()
	if err := d.remote.CheckSocket(ctx, sock); err != nil {
		switch {
		case errors.Is(err, remotehost.ErrSocketMissing):
			return nil, fmt.Errorf("%w: cannot reach the Docker engine of VM target %q: %s (install Docker on the VM, or set "+
				"DSVMOptions.DockerHost to its socket)", dockerexec.ErrEngineUnreachable, d.name, errtext.Clean(err.Error()))
		case errors.Is(err, remotehost.ErrSocketAccess):
			return nil, fmt.Errorf("%w: %s; add the user to the docker group on the VM (sudo usermod -aG docker %s) and try again",
				dockerexec.ErrEngineAccess, errtext.Clean(err.Error()), d.cfg.Username)
		}
		return nil, err
	}
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{
		Host:   "unix://" + sock + " on VM target " + d.name,
		Dial:   func(ctx context.Context) (net.Conn, error) { return d.remote.DialUnix(ctx, sock) },
		Logger: d.opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.engine != nil {
		eng.Close()
		return d.engine, nil
	}
	d.engine = eng
	return eng, nil
}

// startDocker runs job in a container on the VM's engine, with the run directory on the VM
// mounted into it; see Local.startDocker.
func (d *DSVM) startDocker(ctx context.Context, job *Job, root string, paths driver.Paths, ctlBuf *bytes.Buffer, logf func(string, ...any)) (Execution, error) {
	rc := job.RunConfig
	control := newControlLog(ctlBuf)
	fail := func(err error) (Execution, error) {
		d.flushControlLog(paths, ctlBuf.Bytes())
		return nil, err
	}
	if err := d.installSupport(ctx, root); err != nil {
		logf("Installing amlgo's driver on the VM failed: %v", err)
		return fail(err)
	}
	eng, err := d.dockerEngine(ctx)
	if err != nil {
		logf("Docker: %s", errtext.Clean(err.Error()))
		return fail(dockerFailure(err))
	}
	logf("Using the Docker engine at %s (API %s)", eng.Host(), eng.APIVersion())
	t0 := time.Now()
	img, err := eng.EnsureImage(ctx, dockerImageSpec(rc), &dockerexec.EnsureOptions{
		Log: control,
		Lock: func(ctx context.Context, key string) (func(), error) {
			lock := path.Join(root, "docker-locks", dockerLockName(d.dockerSocket(), key))
			return d.remote.Lock(ctx, lock, func() { logf("Waiting for another run to finish making image %s", key) })
		},
	})
	if err != nil {
		logf("Docker image preparation failed: %s", errtext.Clean(err.Error()))
		return fail(dockerFailure(err))
	}
	logf("Using image %s (%s in %s)", img.Name, imageHow(img), time.Since(t0).Round(time.Millisecond))

	shared, _, _ := dockerRunSettings(rc)
	if shared {
		blobs := path.Join(root, "blobs")
		nfiles, nbytes, err := d.syncBlobs(ctx, blobs, job)
		if err != nil {
			logf("Sending the snapshot failed: %v", err)
			return fail(err)
		}
		logf("Sent %d new snapshot files (%d bytes) to the VM's store", nfiles, nbytes)
		if err := d.materialize(ctx, job, blobs, paths.WorkDir); err != nil {
			logf("Restoring the snapshot failed: %v", err)
			return fail(err)
		}
		logf("Restored snapshot %s (%d files) into %s, mounted at %s", job.Snapshot.ID, len(job.Snapshot.Files), paths.WorkDir, dockerexec.ContainerRunDir+"/wd")
	}
	shim := ""
	if !d.opts.DisableRunContextShim {
		shim = path.Join(root, "shim", driver.ShimVersion)
	}
	// The user's uid comes with the run directory; the container spec needs it first, so the
	// directory is made with what was logged so far and the rest is appended after.
	uid, gid, err := d.remote.PrepareDockerRunDir(ctx, root, paths, ctlBuf.Bytes())
	if err != nil {
		return fail(err)
	}
	ctlBuf.Reset()
	cspec, err := dockerContainerSpec(job, img.Name, paths.RunDir, shim, uidGid(uid, gid), "VirtualMachine", d.opts.CancelGracePeriod)
	if err != nil {
		logf("%s", errtext.Clean(err.Error()))
		return fail(dockerFailure(err))
	}
	var copyIn io.Reader
	if !shared {
		tr := snapshotTar(ctx, job, dockerexec.ContainerWorkDir[1:], uid, gid)
		defer tr.Close()
		copyIn = tr
		logf("Copying snapshot %s (%d files) into the container at %s", job.Snapshot.ID, len(job.Snapshot.Files), dockerexec.ContainerWorkDir)
	}
	logf("Starting container %s: %q", cspec.Name, cspec.Cmd[3:])
	d.flushControlLog(paths, ctlBuf.Bytes())
	ctlBuf.Reset()
	ex, err := dockerexec.Start(ctx, dockerexec.Launch{
		Engine:    eng,
		Container: cspec,
		CopyIn:    copyIn,
		State: dockerexec.State{
			RunDir: paths.RunDir, Container: cspec.Name, Engine: "unix://" + d.dockerSocket(),
			GraceSeconds: int(d.opts.CancelGracePeriod / time.Second), Keep: d.opts.KeepContainers,
		},
		Files: d.dockerFiles(paths),
	})
	if err != nil {
		logf("Starting the container failed: %s", errtext.Clean(err.Error()))
		return fail(dockerFailure(err))
	}
	return d.dockerExecution(ex, paths.RunDir), nil
}

// dockerFiles is a run directory on the VM as a docker execution uses it.
func (d *DSVM) dockerFiles(paths driver.Paths) dockerexec.Files {
	return dockerexec.Files{
		FS:              &rundir.SFTPFS{Conn: d.remote},
		ConcurrentReads: true,
		WriteFile:       d.remote.WriteFileAtomic,
		Collect: func(ctx context.Context, put func(string, io.Reader) error) error {
			return d.remote.Collect(ctx, paths.RunDir, put)
		},
	}
}

func (d *DSVM) dockerExecution(ex *dockerexec.Execution, runDir string) *dockerExecution {
	return &dockerExecution{
		ex: ex,
		open: func(ctx context.Context, rel string) (io.ReadCloser, error) {
			return d.remote.OpenRunFile(ctx, runDir, rel)
		},
		retry: func(ctx context.Context, fn func() error) error {
			return d.remote.Retry(ctx, func(*sshx.Client) error { return fn() })
		},
	}
}

// reattachDocker resumes a docker execution on the VM from its state.
func (d *DSVM) reattachDocker(ctx context.Context, state json.RawMessage) (Execution, error) {
	st, err := dockerexec.ParseState(state)
	if err != nil {
		return nil, err
	}
	if !path.IsAbs(st.RunDir) {
		return nil, errors.New("compute: VM execution state has no run directory")
	}
	eng, err := d.dockerEngine(ctx)
	if err != nil {
		return nil, err
	}
	return d.dockerExecution(dockerexec.Resume(eng, st, d.dockerFiles(driver.SlashLayout(st.RunDir))), st.RunDir), nil
}
