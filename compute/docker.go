package compute

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/runconfig"
)

// Docker errors, for errors.Is. Start errors caused by the image (not found, refused
// credentials, a failed build, an unusable docker.arguments flag, GPUs without a GPU runtime)
// or by the engine (unreachable, no access) also match ErrEnvironment.
var (
	// ErrDockerEngine: the Docker engine could not be reached or used (the error names the
	// socket and the fix).
	ErrDockerEngine = errors.New("compute: docker engine unavailable")
	// ErrDockerImage: the run's image could not be pulled or built.
	ErrDockerImage = errors.New("compute: docker image unavailable")
)

// containerShimDir is where the run-context shim is mounted in a container.
const containerShimDir = "/azureml-shim"

// dockerEnabled reports whether rc runs in a container (docker.useDocker, or the deprecated
// environment.docker.enabled).
func dockerEnabled(rc *runconfig.RunConfiguration) bool {
	return rc.Docker.UseDocker || rc.Environment.Docker.Enabled
}

// dockerRunSettings are sharedVolumes, shmSize and arguments: from the top-level docker section
// (DockerConfiguration) when it enables Docker, else from the deprecated environment.docker
// fields, as azureml 1.50 reads them.
func dockerRunSettings(rc *runconfig.RunConfiguration) (shared bool, shm string, args []string) {
	if rc.Docker.UseDocker {
		return rc.Docker.SharedVolumes, rc.Docker.ShmSize, rc.Docker.Arguments
	}
	d := rc.Environment.Docker
	return d.SharedVolumes, d.ShmSize, d.Arguments
}

// dockerImageSpec is the run's image: the base image (or Dockerfile) with its registry and, for
// a system-managed environment, the conda layer azureml_<hash of the conda specification>.
func dockerImageSpec(rc *runconfig.RunConfiguration) dockerexec.ImageSpec {
	d := rc.Environment.Docker
	spec := dockerexec.ImageSpec{
		BaseImage:      d.BaseImage,
		BaseDockerfile: d.BaseDockerfile,
		Registry: dockerexec.Registry{
			Address:  d.BaseImageRegistry.Address,
			Username: d.BaseImageRegistry.Username,
			Password: string(d.BaseImageRegistry.Password),
		},
	}
	py := rc.Environment.Python
	if !py.UserManagedDependencies && py.CondaDependencies != nil {
		spec.CondaEnvName = "azureml_" + py.CondaDependencies.Hash()
		spec.CondaYAML = py.CondaDependencies.Serialize()
	}
	return spec
}

// dockerPython is the interpreter in the container: the conda environment's, or the
// user-managed interpreterPath as the image has it.
func dockerPython(rc *runconfig.RunConfiguration, spec dockerexec.ImageSpec) string {
	if p := spec.Python(); p != "" {
		return p
	}
	if p := rc.Environment.Python.InterpreterPath; p != "" {
		return p
	}
	return "python"
}

// dockerContainerSpec is the run's container: the driver wrapper with the run directory
// mounted at /azureml-run (and the shim at /azureml-shim), the project mounted (sharedVolumes)
// or copied in, azureml's run variables and the configuration's variables.
func dockerContainerSpec(job *Job, image, hostRunDir, hostShimDir, user, targetType string, grace time.Duration) (dockerexec.ContainerSpec, error) {
	rc := job.RunConfig
	shared, shm, args := dockerRunSettings(rc)
	if shm == "" {
		shm = "2g"
	}
	shmBytes, err := dockerexec.ParseShmSize(shm)
	if err != nil {
		return dockerexec.ContainerSpec{}, fmt.Errorf("%w: docker shmSize: %v", dockerexec.ErrBadArguments, err)
	}
	cpaths := driver.SlashLayout(dockerexec.ContainerRunDir)
	python := dockerPython(rc, dockerImageSpec(rc))
	argv := remoteScriptCommand(rc, python)
	var maxDuration time.Duration
	if rc.MaxRunDurationSeconds != nil {
		maxDuration = time.Duration(*rc.MaxRunDurationSeconds) * time.Second
	}
	wrapper := cpaths.Command(argv, &driver.CommandOptions{MaxDuration: maxDuration, Grace: grace})
	// The wrapper's own diagnostics go to the control log, as for native runs.
	cmd := append([]string{"/bin/sh", "-c", `exec "$0" "$@" 2>>` + cpaths.ControlLog}, wrapper...)

	vars := map[string]string{
		"AZUREML_RUN_ID":                job.RunID,
		"AZUREML_ARM_PROJECT_NAME":      job.Experiment,
		"AZUREML_ARM_WORKSPACE_NAME":    job.Workspace,
		"AZUREML_ARM_SUBSCRIPTION":      "",
		"AZUREML_ARM_RESOURCEGROUP":     "",
		"AZUREML_OUTPUT_DIRECTORY":      "./outputs",
		"AZUREML_TARGET_TYPE":           targetType,
		"AZUREML_FRAMEWORK":             rc.Framework,
		"AZUREML_COMMUNICATOR":          rc.Communicator,
		"AZUREML_SCRIPT_DIRECTORY_NAME": ".",
		"AMLGO_RUN_DIR":                 dockerexec.ContainerRunDir,
		"PYTHONUNBUFFERED":              "1",
	}
	if user != "" {
		vars["HOME"] = "/tmp" // an arbitrary uid has no home in the image
	}
	binds := []string{hostRunDir + ":" + dockerexec.ContainerRunDir}
	switch rel, inRunDir := strings.CutPrefix(hostShimDir, strings.TrimSuffix(hostRunDir, "/")+"/"); {
	case hostShimDir == "":
	case inRunDir:
		vars["PYTHONPATH"] = path.Join(dockerexec.ContainerRunDir, rel)
	default:
		binds = append(binds, hostShimDir+":"+containerShimDir+":ro")
		vars["PYTHONPATH"] = containerShimDir
	}
	workDir := cpaths.WorkDir
	if !shared {
		workDir = dockerexec.ContainerWorkDir
		vars["AMLGO_WORKDIR"] = dockerexec.ContainerWorkDir
		vars["AMLGO_COPY_BACK"] = "1"
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
	return dockerexec.ContainerSpec{
		Name:        dockerexec.ContainerName(job.RunID, hostRunDir),
		Image:       image,
		Cmd:         cmd,
		Env:         env,
		WorkingDir:  workDir,
		User:        user,
		Binds:       binds,
		Labels:      map[string]string{dockerexec.LabelRunID: job.RunID},
		ShmSize:     shmBytes,
		Arguments:   args,
		GPUs:        rc.Environment.Docker.GPUSupport != nil && *rc.Environment.Docker.GPUSupport,
		StopTimeout: grace,
	}, nil
}

// snapshotTar streams the snapshot as a tar archive rooted at dir (no leading slash), for
// copying the project into a container (sharedVolumes: false).
func snapshotTar(ctx context.Context, job *Job, dir string, uid, gid int) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeSnapshotTar(ctx, pw, job, dir, uid, gid))
	}()
	return pr
}

func writeSnapshotTar(ctx context.Context, w io.Writer, job *Job, dir string, uid, gid int) error {
	tw := tar.NewWriter(w)
	mtime := time.Now()
	dirs := map[string]bool{}
	addDir := func(p string) error {
		for _, d := range parentsOf(p) {
			if dirs[d] {
				continue
			}
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: mtime, Uid: uid, Gid: gid}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := addDir(dir + "/outputs"); err != nil {
		return err
	}
	if err := addDir(dir + "/logs"); err != nil {
		return err
	}
	for _, f := range job.Snapshot.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := path.Join(dir, f.Path)
		if f.IsDir() {
			if err := addDir(name); err != nil {
				return err
			}
			continue
		}
		if err := addDir(path.Dir(name)); err != nil {
			return err
		}
		if f.IsSymlink() {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: f.LinkTarget, ModTime: mtime, Uid: uid, Gid: gid}); err != nil {
				return err
			}
			continue
		}
		mode := int64(f.Mode.Perm())
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: f.Size, Mode: mode, ModTime: mtime, Uid: uid, Gid: gid}); err != nil {
			return err
		}
		rc, err := job.OpenFile(f)
		if err != nil {
			return fmt.Errorf("compute: reading snapshot file %s: %w", f.Path, err)
		}
		_, err = io.Copy(tw, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// parentsOf lists p and its parents, outermost first ("a/b" -> "a", "a/b").
func parentsOf(p string) []string {
	var out []string
	for p != "." && p != "/" && p != "" {
		out = append([]string{p}, out...)
		p = path.Dir(p)
	}
	return out
}

// dockerFailure classifies a Docker preparation error: the image's and the engine's problems
// match ErrEnvironment (the user's to fix: UserError) and ErrDockerImage or ErrDockerEngine.
func dockerFailure(err error) error {
	switch {
	case errors.Is(err, dockerexec.ErrEngineUnreachable), errors.Is(err, dockerexec.ErrEngineAccess):
		return &environmentError{err: &joined{err, ErrDockerEngine}}
	case errors.Is(err, dockerexec.ErrImageNotFound), errors.Is(err, dockerexec.ErrRegistryAuth), errors.Is(err, dockerexec.ErrBuildFailed):
		return &environmentError{err: &joined{err, ErrDockerImage}}
	case errors.Is(err, dockerexec.ErrBadArguments), errors.Is(err, dockerexec.ErrNoGPURuntime):
		return &environmentError{err: err}
	}
	return err
}

// joined is err that also matches also; its message is err's.
type joined struct{ err, also error }

func (j *joined) Error() string   { return j.err.Error() }
func (j *joined) Unwrap() []error { return []error{j.err, j.also} }

// uidGid renders a user for the container ("uid:gid").
func uidGid(uid, gid int) string { return strconv.Itoa(uid) + ":" + strconv.Itoa(gid) }

// hashString is a short content hash of s.
func hashString(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:16]
}

// isDockerState reports whether an execution state is a docker execution's.
func isDockerState(state []byte) bool {
	var probe struct {
		Container string `json:"container"`
	}
	return json.Unmarshal(state, &probe) == nil && probe.Container != ""
}
