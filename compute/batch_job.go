package compute

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/google/uuid"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/codeasset"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/runconfig"
)

// AnonymousEnvironmentName is the name azure-ai-ml gives anonymous environments; their version
// is a content hash.
const AnonymousEnvironmentName = "CliV2AnonymousEnvironment"

// shimCodeDir is where amlgo's run-context shim travels in a job's code asset.
const shimCodeDir = ".amlgo-shim"

// Start submits job to the cluster through the Azure ML jobs API: the snapshot becomes a code
// asset (found by azure-ai-ml's content hash, uploaded only when new), the environment an
// anonymous environment version named by its content, and the run a CommandJob named by the run
// id, on this cluster. It returns once the service has accepted the job.
func (c *BatchCluster) Start(ctx context.Context, job *Job) (_ Execution, err error) {
	defer func() { err = errtext.Public(err) }()
	if err := checkJob(job); err != nil {
		return nil, err
	}
	rc := job.RunConfig
	if _, err := c.Check(ctx, rc); err != nil {
		return nil, err
	}
	cl := c.az.Clients
	codeID, err := c.ensureCode(ctx, job)
	if err != nil {
		return nil, err
	}
	envID, err := c.ensureEnvironment(ctx, rc)
	if err != nil {
		return nil, err
	}
	body := c.commandJob(job, codeID, envID)
	if _, err := cl.Jobs.CreateOrUpdate(ctx, c.az.ResourceGroup, c.az.Name, job.RunID, body, nil); err != nil {
		return nil, fmt.Errorf("compute: submitting job %s to cluster %s: %w", job.RunID, c.name, err)
	}
	return newServiceExecution(c, serviceState{Job: job.RunID, Target: c.name, SubmittedAt: time.Now().UTC()}), nil
}

// ensureCode finds the job's code asset by content hash or uploads it: startPendingUpload, the
// files to the SAS container in parallel, then the code version. A version is created only
// after every file is uploaded, so no code version points at partial content.
func (c *BatchCluster) ensureCode(ctx context.Context, job *Job) (string, error) {
	cl := c.az.Clients
	files := codeFiles(job)
	hash, err := codeasset.ContentHash(ctx, files)
	if err != nil {
		return "", fmt.Errorf("compute: hashing the snapshot: %w", err)
	}
	name := uuid.NewString()
	pager := cl.CodeVersions.NewListPager(c.az.ResourceGroup, c.az.Name, name, &armmachinelearning.CodeVersionsClientListOptions{
		Hash: to.Ptr(hash), HashVersion: to.Ptr(codeasset.HashVersion),
	})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("compute: looking up the code asset by hash: %w", err)
		}
		for _, v := range page.Value {
			if v.ID != nil {
				return *v.ID, nil // unchanged code: nothing uploaded
			}
		}
	}
	const version = "1"
	up, err := cl.CodeVersions.CreateOrGetStartPendingUpload(ctx, c.az.ResourceGroup, c.az.Name, name, version,
		armmachinelearning.PendingUploadRequestDto{PendingUploadType: to.Ptr(armmachinelearning.PendingUploadTypeTemporaryBlobReference)}, nil)
	if err != nil {
		return "", fmt.Errorf("compute: starting the code upload: %w", err)
	}
	ref := up.BlobReferenceForConsumption
	if ref == nil || ref.BlobURI == nil || ref.Credential == nil {
		return "", fmt.Errorf("compute: the service's pending upload has no blob reference")
	}
	sasCred, ok := ref.Credential.(*armmachinelearning.SASCredentialDto)
	if !ok || sasCred.SasURI == nil {
		return "", fmt.Errorf("compute: the service's pending upload has no SAS credential")
	}
	dir := snapshotDirName(job)
	if _, err := codeasset.Upload(ctx, *sasCred.SasURI, dir, files, nil); err != nil {
		return "", fmt.Errorf("compute: uploading the snapshot: %w", err)
	}
	codeURI := strings.TrimSuffix(*ref.BlobURI, "/") + "/" + dir
	res, err := cl.CodeVersions.CreateOrUpdate(ctx, c.az.ResourceGroup, c.az.Name, name, version, armmachinelearning.CodeVersion{
		Properties: &armmachinelearning.CodeVersionProperties{
			CodeURI:     to.Ptr(codeURI),
			IsAnonymous: to.Ptr(true),
			Properties:  map[string]*string{"hash_sha256": to.Ptr(hash), "hash_version": to.Ptr(codeasset.HashVersion)},
		},
	}, nil)
	if err != nil {
		return "", fmt.Errorf("compute: creating the code version: %w", err)
	}
	if res.ID == nil {
		return c.az.ID() + "/codes/" + name + "/versions/" + version, nil
	}
	return *res.ID, nil
}

// codeFiles is the snapshot's files plus amlgo's run-context shim under .amlgo-shim/ (a
// deterministic addition: unchanged code still hashes the same).
func codeFiles(job *Job) []codeasset.File {
	files := codeasset.FromSnapshot(job.Snapshot, job.OpenFile)
	_ = fs.WalkDir(driver.ShimFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(driver.ShimFS, p)
		if err != nil {
			return err
		}
		files = append(files, codeasset.File{Path: path.Join(shimCodeDir, p), Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(string(data))), nil
		}})
		return nil
	})
	return files
}

// snapshotDirName is the code's directory in the upload container (azure-ai-ml uses the
// source directory's base name; the content hash does not include it).
func snapshotDirName(*Job) string { return "code" }

// ensureEnvironment finds or creates the anonymous environment version of rc's environment:
// the image (the base image, default azureml's DEFAULT_CPU_IMAGE) and, for a system-managed
// environment, the conda specification; its version is azure-ai-ml's content hash.
func (c *BatchCluster) ensureEnvironment(ctx context.Context, rc *runconfig.RunConfiguration) (string, error) {
	image := strings.TrimSpace(rc.Environment.Docker.BaseImage)
	if image == "" {
		image = runconfig.DefaultCPUImage
	}
	if addr := strings.TrimSuffix(rc.Environment.Docker.BaseImageRegistry.Address, "/"); addr != "" && !strings.HasPrefix(image, addr+"/") {
		image = addr + "/" + image
	}
	conda := ""
	if py := rc.Environment.Python; !py.UserManagedDependencies && py.CondaDependencies != nil {
		conda = string(py.CondaDependencies.Serialize())
	}
	version := anonymousEnvironmentVersion(image, conda)
	known := envCacheKey{c.az.Clients, strings.ToLower(c.az.ID() + "/environments/" + AnonymousEnvironmentName + "/versions/" + version)}
	if id, ok := knownEnvironments.Load(known); ok {
		return id.(string), nil // seen by this process: an anonymous version is its content, never changed
	}
	id, err := c.lookupOrCreateEnvironment(ctx, version, image, conda)
	if err == nil {
		knownEnvironments.Store(known, id)
	}
	return id, err
}

// knownEnvironments are the environment versions this process has found or created, by
// workspace connection and lower-cased ARM id: a re-submit of an unchanged environment sends
// no request for it.
var knownEnvironments sync.Map

type envCacheKey struct {
	clients *arm.Clients
	id      string
}

// lookupOrCreateEnvironment GETs the anonymous environment version, and PUTs it when missing.
func (c *BatchCluster) lookupOrCreateEnvironment(ctx context.Context, version, image, conda string) (string, error) {
	cl := c.az.Clients
	got, err := cl.EnvironmentVersions.Get(ctx, c.az.ResourceGroup, c.az.Name, AnonymousEnvironmentName, version, nil)
	if err == nil && got.ID != nil {
		return *got.ID, nil
	}
	if err != nil && !arm.IsNotFound(err) {
		return "", fmt.Errorf("compute: looking up the environment: %w", err)
	}
	props := &armmachinelearning.EnvironmentVersionProperties{Image: to.Ptr(image), IsAnonymous: to.Ptr(true), OSType: to.Ptr(armmachinelearning.OperatingSystemTypeLinux)}
	if conda != "" {
		props.CondaFile = to.Ptr(conda)
	}
	res, err := cl.EnvironmentVersions.CreateOrUpdate(ctx, c.az.ResourceGroup, c.az.Name, AnonymousEnvironmentName, version,
		armmachinelearning.EnvironmentVersion{Properties: props}, nil)
	if err != nil {
		return "", fmt.Errorf("compute: creating the environment version: %w", err)
	}
	if res.ID == nil {
		return c.az.ID() + "/environments/" + AnonymousEnvironmentName + "/versions/" + version, nil
	}
	return *res.ID, nil
}

// anonymousEnvironmentVersion is azure-ai-ml's anonymous environment version: sha256 of the
// sha256s of the image and the conda file combined with Python's str.join quirk (the running
// string is inserted between the characters of the next hash). azure-ai-ml 1.35 hashes with
// sha256; older releases used md5 (the reference's description), and the test checks the
// pinned real one.
func anonymousEnvironmentVersion(image, conda string) string {
	acc := ""
	join := func(next string) {
		if acc == "" {
			acc = next
			return
		}
		acc = strings.Join(strings.Split(next, ""), acc)
	}
	join(sha256Hex(image))
	if conda != "" {
		join(sha256Hex(conda))
	}
	return sha256Hex(acc)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// commandJob is the run as a CommandJob on this cluster.
func (c *BatchCluster) commandJob(job *Job, codeID, envID string) armmachinelearning.JobBase {
	rc := job.RunConfig
	vars := map[string]*string{}
	for k, v := range rc.Environment.EnvironmentVariables {
		vars[k] = to.Ptr(v)
	}
	for k, v := range rc.EnvironmentVariables {
		vars[k] = to.Ptr(v)
	}
	props := &armmachinelearning.CommandJob{
		JobType:              to.Ptr(armmachinelearning.JobTypeCommand),
		Command:              to.Ptr(serviceCommand(rc)),
		CodeID:               to.Ptr(codeID),
		EnvironmentID:        to.Ptr(envID),
		ComputeID:            to.Ptr(c.ID()),
		ExperimentName:       to.Ptr(job.Experiment),
		DisplayName:          to.Ptr(job.RunID),
		EnvironmentVariables: vars,
		Tags:                 map[string]*string{},
		Properties:           map[string]*string{"azureml.runsource": to.Ptr("amlgo")},
	}
	n := int32(max(rc.NodeCount, 1))
	props.Resources = &armmachinelearning.JobResourceConfiguration{InstanceCount: to.Ptr(n)}
	if _, shm, args := dockerRunSettings(rc); shm != "" || len(args) > 0 {
		if shm != "" {
			props.Resources.ShmSize = to.Ptr(shm)
		}
		if len(args) > 0 {
			props.Resources.DockerArgs = to.Ptr(strings.Join(args, " "))
		}
	}
	if isMPI(rc) {
		props.Distribution = &armmachinelearning.Mpi{DistributionType: to.Ptr(armmachinelearning.DistributionTypeMpi),
			ProcessCountPerInstance: to.Ptr(int32(max(rc.MPI.ProcessCountPerNode, 1)))}
	}
	if rc.MaxRunDurationSeconds != nil && *rc.MaxRunDurationSeconds > 0 {
		props.Limits = &armmachinelearning.CommandJobLimits{JobLimitsType: to.Ptr(armmachinelearning.JobLimitsTypeCommand),
			Timeout: to.Ptr("PT" + strconv.Itoa(*rc.MaxRunDurationSeconds) + "S")}
	}
	return armmachinelearning.JobBase{Properties: props}
}

// serviceCommand is the job's command line: amlgo's shim first on PYTHONPATH, then the
// configuration's command, or python <script> <arguments> quoted for the service's shell.
func serviceCommand(rc *runconfig.RunConfiguration) string {
	pre := `export PYTHONPATH="$PWD/` + shimCodeDir + `${PYTHONPATH:+:$PYTHONPATH}"; `
	if cmd := strings.TrimSpace(rc.Command); cmd != "" {
		return pre + cmd
	}
	python := "python"
	if py := rc.Environment.Python; py.UserManagedDependencies && py.InterpreterPath != "" {
		python = py.InterpreterPath
	}
	words := append([]string{python, rc.Script}, runconfig.ArgumentStrings(rc.Arguments)...)
	for i, w := range words {
		words[i] = shellWord(w)
	}
	return pre + strings.Join(words, " ")
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

func shellWord(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return shQuote(s)
}
