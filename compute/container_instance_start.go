package compute

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/containergroup"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/rundir"
	"github.com/amlgo/amlgo/internal/sasredact"
)

// aciRunDir is the run directory inside the container.
const aciRunDir = "/azureml-run"

// Start creates the run's container group: the snapshot, driver and shim are uploaded by
// content, the image is resolved (built and pushed once per environment), and the group is
// created with the bootstrap as its command. It returns once Resource Manager has accepted the
// group; the image pull and the run happen after.
func (c *ContainerInstance) Start(ctx context.Context, job *Job) (_ Execution, err error) {
	defer func() { err = errtext.Public(sasredact.Error(err)) }()
	if err := checkJob(job); err != nil {
		return nil, err
	}
	rc := job.RunConfig
	warnings, err := c.Check(ctx, rc)
	if err != nil {
		return nil, err
	}
	cfg := c.Config(rc)
	store, err := c.blobStore(ctx)
	if err != nil {
		return nil, err
	}
	control := &aciControl{store: store, runID: job.RunID}
	logf := control.logf
	defer func() {
		if err != nil {
			logf("Starting the container group failed: %s", errtext.Clean(sasredact.Text(err.Error())))
		}
		_ = control.flush(context.WithoutCancel(ctx))
	}()
	logf("Starting run %s of experiment %s on target containerinstance (Azure Container Instances, region %s, %v cores, %v GB)", job.RunID, job.Experiment, cfg.Region, cfg.CPUCores, cfg.MemoryGB)
	for _, w := range append(slices.Clone(job.Warnings), warnings...) {
		logf("Warning: %s", w)
	}
	img, err := c.resolveImage(ctx, rc, control)
	if err != nil {
		return nil, err
	}
	manifest, err := c.uploadRun(ctx, job, store, img.python, logf)
	if err != nil {
		return nil, err
	}
	readTTL := c.opts.SnapshotSASExpiry
	if readTTL <= 0 {
		readTTL = 2 * time.Hour
	}
	writeTTL := 7 * 24 * time.Hour
	if rc.MaxRunDurationSeconds != nil && *rc.MaxRunDurationSeconds > 0 {
		writeTTL = time.Duration(*rc.MaxRunDurationSeconds)*time.Second + readTTL + time.Hour
	}
	plan, err := store.Plan(job.RunID, manifest, readTTL, writeTTL)
	if err != nil {
		return nil, err
	}
	if c.opts.SyncInterval > 0 {
		plan.Interval = c.opts.SyncInterval.Seconds()
	}
	planText, err := plan.MarshalPlan()
	if err != nil {
		return nil, err
	}
	spec := containergroup.Spec{
		Name:      containergroup.GroupName(job.RunID),
		Location:  cfg.Region,
		Image:     img.ref,
		Command:   []string{"/bin/sh", "-c", `exec "$(command -v python3 || command -v python)" -c "$` + driver.BootSourceVar + `"`},
		Env:       aciRunVariables(job),
		SecureEnv: map[string]string{driver.BootPlanVar: planText},
		CPU:       cfg.CPUCores,
		MemoryGB:  cfg.MemoryGB,
		Registry:  img.cred,
		Tags:      map[string]string{containergroup.TagRunID: job.RunID, "amlgo-experiment": job.Experiment},
	}
	spec.Env[driver.BootSourceVar] = driver.ContainerBootstrap
	logf("Creating container group %s in resource group %s (image %s)", spec.Name, c.az.ResourceGroup, img.ref)
	if err := control.flush(ctx); err != nil {
		return nil, err
	}
	if _, err := c.az.Clients.ContainerGroups.BeginCreateOrUpdate(ctx, c.az.ResourceGroup, spec.Name, spec.Resource(), nil); err != nil {
		return nil, fmt.Errorf("%w: Azure Container Instances refused container group %s in region %s: %w", ErrEnvironment, spec.Name, cfg.Region, err)
	}
	c.opts.Logger.DebugContext(ctx, "container group created", "run_id", job.RunID, "group", spec.Name, "image", img.ref)
	st := aciState{
		RunID: job.RunID, Group: spec.Name, ResourceGroup: c.az.ResourceGroup,
		Account: store.Account(), Keep: c.opts.KeepGroups, Grace: c.grace().Seconds(), MemoryGB: cfg.MemoryGB,
		StartedAt: time.Now().UTC(),
	}
	if rc.MaxRunDurationSeconds != nil {
		st.MaxSeconds = *rc.MaxRunDurationSeconds
	}
	return c.newExecution(st, store), nil
}

func (c *ContainerInstance) grace() time.Duration {
	if c.opts.CancelGracePeriod > 0 {
		return c.opts.CancelGracePeriod
	}
	return driver.DefaultGrace
}

// uploadRun uploads what the container restores — the snapshot under wd/, the wrapper and the
// shim — by content, and the run manifest; it returns the manifest's blob name.
func (c *ContainerInstance) uploadRun(ctx context.Context, job *Job, store *containergroup.Store, python string, logf func(string, ...any)) (string, error) {
	rc := job.RunConfig
	var m driver.BootManifest
	var contents []containergroup.Content
	for _, f := range job.Snapshot.Files {
		p := path.Join(driver.RelWorkDir, f.Path)
		switch {
		case f.IsDir():
			m.Files = append(m.Files, driver.BootFile{Path: p, Dir: true})
		case f.IsSymlink():
			m.Files = append(m.Files, driver.BootFile{Path: p, Symlink: f.LinkTarget})
		default:
			m.Files = append(m.Files, driver.BootFile{Path: p, SHA256: f.SHA256, Mode: uint32(f.Mode.Perm())})
			contents = append(contents, containergroup.Content{SHA256: f.SHA256, Size: f.Size, Open: func() (io.ReadCloser, error) { return job.OpenFile(f) }})
		}
	}
	add := func(p string, data []byte, mode uint32) {
		sum := sha256Hex(string(data))
		m.Files = append(m.Files, driver.BootFile{Path: p, SHA256: sum, Mode: mode})
		contents = append(contents, containergroup.Content{SHA256: sum, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}})
	}
	add(driver.RelWrapper, driver.WrapperScript, 0o755)
	err := fs.WalkDir(driver.ShimFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(driver.ShimFS, p)
		if err != nil {
			return err
		}
		add(path.Join(driver.RelShimDir, p), data, 0o644)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("compute: reading the run-context shim: %w", err)
	}
	cpaths := driver.SlashLayout(aciRunDir)
	var maxDuration time.Duration
	if rc.MaxRunDurationSeconds != nil {
		maxDuration = time.Duration(*rc.MaxRunDurationSeconds) * time.Second
	}
	m.Command = cpaths.Command(remoteScriptCommand(rc, python), &driver.CommandOptions{MaxDuration: maxDuration, Grace: c.grace()})
	t0 := time.Now()
	st, err := store.UploadFiles(ctx, contents)
	if err != nil {
		return "", fmt.Errorf("compute: uploading snapshot %s: %w", job.Snapshot.ID, err)
	}
	name, _, err := store.PutManifest(ctx, m)
	if err != nil {
		return "", err
	}
	logf("Uploaded snapshot %s to storage account %s: %d files uploaded (%d bytes), %d already there (%s)",
		job.Snapshot.ID, store.Account(), st.Uploaded, st.Bytes, st.Present, time.Since(t0).Round(time.Millisecond))
	return name, nil
}

// aciRunVariables are azureml's run variables in the container, and the configuration's.
func aciRunVariables(job *Job) map[string]string {
	rc := job.RunConfig
	vars := map[string]string{
		"AZUREML_RUN_ID":                job.RunID,
		"AZUREML_ARM_PROJECT_NAME":      job.Experiment,
		"AZUREML_ARM_WORKSPACE_NAME":    job.Workspace,
		"AZUREML_OUTPUT_DIRECTORY":      "./outputs",
		"AZUREML_TARGET_TYPE":           "containerinstance",
		"AZUREML_FRAMEWORK":             rc.Framework,
		"AZUREML_COMMUNICATOR":          rc.Communicator,
		"AZUREML_SCRIPT_DIRECTORY_NAME": ".",
		"AMLGO_RUN_DIR":                 aciRunDir,
		"PYTHONUNBUFFERED":              "1",
		"PYTHONPATH":                    path.Join(aciRunDir, driver.RelShimDir),
	}
	for k, v := range rc.Environment.EnvironmentVariables {
		vars[k] = v
	}
	for k, v := range rc.EnvironmentVariables {
		vars[k] = v
	}
	return vars
}

// aciControl is the run's control log before the container runs: lines are buffered and
// appended to the control log blob at each flush.
type aciControl struct {
	store *containergroup.Store
	runID string
	once  sync.Once
	log   *rundir.ControlLog
	mu    sync.Mutex
	buf   bytes.Buffer
}

func (a *aciControl) Write(p []byte) (int, error) {
	a.once.Do(func() { a.log = rundir.NewControlLog(writerFunc(a.raw)) })
	return a.log.Write(p)
}

func (a *aciControl) raw(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.Write(p)
}

func (a *aciControl) logf(format string, args ...any) { fmt.Fprintf(a, format+"\n", args...) }

// flush appends the buffered lines to the control log blob.
func (a *aciControl) flush(ctx context.Context) error {
	a.mu.Lock()
	data := slices.Clone(a.buf.Bytes())
	a.buf.Reset()
	a.mu.Unlock()
	if len(data) == 0 {
		return nil
	}
	return a.store.AppendRunFile(ctx, a.runID, driver.RelControlLog, data)
}

// writerFunc is an io.Writer from a function.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
