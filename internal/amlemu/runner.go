package amlemu

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/appendblob"

	"github.com/amlgo/amlgo/internal/dockerexec"
)

// JobToken is the bearer token the emulator gives jobs for its MLflow endpoint.
const JobToken = "amlemu-job-token"

// jobMount is where a job's directory is mounted in its container; the code is in wd/.
const jobMount = "/azureml-job"

// jobSpec is what the runner reads of a job's resource.
type jobSpec struct {
	command, experiment string
	env                 map[string]string
	image, condaFile    string
	codeURI             string
	timeout             time.Duration
}

// run executes j: Queued, Preparing (image, code), Running (the container, its log appended to
// the log blob as it is written), Finalizing (outputs/ uploaded), and a terminal status.
func (e *Emulator) run(j *job) {
	defer e.wg.Done()
	ctx := e.ctx
	pause := func() bool {
		if e.opts.StepDelay <= 0 {
			return e.canceled(j)
		}
		select {
		case <-time.After(e.opts.StepDelay):
		case <-j.cancel:
		case <-ctx.Done():
		}
		return e.canceled(j) || ctx.Err() != nil
	}
	e.setStatus(j, "Queued", nil)
	if pause() {
		e.finish(j, "Canceled", "", "")
		return
	}
	e.setStatus(j, "Preparing", nil)
	spec, err := e.specOf(j)
	if err != nil {
		e.finish(j, "Failed", "UserError", err.Error())
		return
	}
	dir, err := os.MkdirTemp("", "amlemu-job-")
	if err != nil {
		e.finish(j, "Failed", "SystemError", err.Error())
		return
	}
	defer os.RemoveAll(dir)
	image, err := e.prepareImage(ctx, spec)
	if err != nil {
		e.finish(j, "Failed", "UserError", "Preparing the job's image failed: "+err.Error())
		return
	}
	if err := e.downloadCode(ctx, spec.codeURI, filepath.Join(dir, "wd")); err != nil {
		e.finish(j, "Failed", "SystemError", "Downloading the job's code failed: "+err.Error())
		return
	}
	if err := e.startMLflowRun(ctx, j, spec.experiment); err != nil {
		e.finish(j, "Failed", "SystemError", "Creating the job's MLflow run failed: "+err.Error())
		return
	}
	if pause() {
		e.finish(j, "Canceled", "", "")
		return
	}
	code, status, msg := e.execute(ctx, j, spec, image, dir)
	if status == "" {
		e.setStatus(j, "Finalizing", nil)
		if err := e.uploadOutputs(ctx, j, filepath.Join(dir, "wd", "outputs")); err != nil {
			e.finish(j, "Failed", "SystemError", "Uploading the job's outputs failed: "+err.Error())
			return
		}
		status = "Completed"
		if code != 0 {
			status = "Failed"
			msg = fmt.Sprintf("Execution failed. User process 'bash' exited with status code %d.", code)
		}
	}
	errCode := ""
	if status == "Failed" {
		errCode = "UserError"
		if strings.HasPrefix(msg, "System:") {
			errCode, msg = "SystemError", strings.TrimSpace(strings.TrimPrefix(msg, "System:"))
		}
	}
	e.finish(j, status, errCode, msg)
}

func (e *Emulator) canceled(j *job) bool {
	select {
	case <-j.cancel:
		return true
	default:
		return false
	}
}

func (e *Emulator) finish(j *job, status, code, msg string) {
	e.setStatus(j, status, func(j *job) {
		j.errCode, j.errMessage, j.ended = code, msg, time.Now().UTC()
	})
}

// specOf reads the job's command, environment and code under the lock.
func (e *Emulator) specOf(j *job) (jobSpec, error) {
	e.arm.Lock()
	defer e.arm.Unlock()
	props := j.body["properties"].(map[string]any)
	s := jobSpec{command: str(props["command"]), experiment: str(props["experimentName"]), env: map[string]string{}}
	if vars, ok := props["environmentVariables"].(map[string]any); ok {
		for k, v := range vars {
			s.env[k] = str(v)
		}
	}
	env, _, ok := e.asset(j.wsID, "environments", str(props["environmentId"]))
	if !ok {
		return s, fmt.Errorf("environment %s not found", str(props["environmentId"]))
	}
	ep, _ := env["properties"].(map[string]any)
	s.image, s.condaFile = str(ep["image"]), str(ep["condaFile"])
	if s.image == "" {
		return s, fmt.Errorf("environment %s has no image (build contexts are not emulated)", str(props["environmentId"]))
	}
	if codeID := str(props["codeId"]); codeID != "" {
		code, _, ok := e.asset(j.wsID, "codes", codeID)
		if !ok {
			return s, fmt.Errorf("code %s not found", codeID)
		}
		cp, _ := code["properties"].(map[string]any)
		s.codeURI = str(cp["codeUri"])
	}
	if lim, ok := props["limits"].(map[string]any); ok {
		s.timeout = parseISODuration(str(lim["timeout"]))
	}
	return s, nil
}

// prepareImage makes the environment's image on the engine: the image itself, or with a conda
// file a conda layer on it (internal/dockerexec's image by content hash).
func (e *Emulator) prepareImage(ctx context.Context, s jobSpec) (string, error) {
	spec := dockerexec.ImageSpec{BaseImage: s.image}
	if s.condaFile != "" {
		h := md5.Sum([]byte(s.condaFile))
		spec.CondaEnvName, spec.CondaYAML = "azureml_"+hex.EncodeToString(h[:]), []byte(s.condaFile)
	}
	img, err := e.opts.Docker.EnsureImage(ctx, spec, nil)
	if err != nil {
		return "", err
	}
	return img.Name, nil
}

// downloadCode copies the blobs under a code URI (<endpoint>/<container>/<prefix>) into dir.
func (e *Emulator) downloadCode(ctx context.Context, codeURI, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if codeURI == "" {
		return nil
	}
	rest := strings.TrimPrefix(codeURI, strings.TrimSuffix(e.opts.BlobEndpoint, "/")+"/")
	if rest == codeURI {
		return fmt.Errorf("code URI %s is not in the emulator's storage", codeURI)
	}
	cname, prefix, _ := strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if u, err := url.PathUnescape(prefix); err == nil {
		prefix = u
	}
	cc := e.blob.NewContainerClient(cname)
	pager := cc.NewListBlobsFlatPager(nil)
	n := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, b := range page.Segment.BlobItems {
			name := *b.Name
			rel, ok := strings.CutPrefix(name, prefix+"/")
			if prefix == "" {
				rel, ok = name, true
			}
			if !ok || rel == "" {
				continue
			}
			dst := filepath.Join(dir, filepath.FromSlash(rel))
			if !strings.HasPrefix(dst, filepath.Clean(dir)+string(filepath.Separator)) {
				return fmt.Errorf("blob %s leaves the code directory", name)
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			resp, err := cc.NewBlobClient(name).DownloadStream(ctx, nil)
			if err != nil {
				return err
			}
			f, err := os.Create(dst)
			if err == nil {
				_, err = io.Copy(f, resp.Body)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			resp.Body.Close()
			if err != nil {
				return err
			}
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("no files under %s", codeURI)
	}
	return nil
}

// appendLog appends data to the job's std_log blob, creating it first.
func (e *Emulator) appendLog(ctx context.Context, j *job, data []byte) error {
	name := "ExperimentRun/dcid." + j.name + "/user_logs/std_log.txt"
	ab := e.blob.NewContainerClient(ArtifactContainer).NewAppendBlobClient(name)
	e.arm.Lock()
	exists := j.logBlob != ""
	e.arm.Unlock()
	if !exists {
		if _, err := ab.Create(ctx, nil); err != nil {
			return err
		}
		e.arm.Lock()
		j.logBlob = name
		e.arm.Unlock()
	}
	for len(data) > 0 {
		n := min(len(data), 4<<20)
		if _, err := ab.AppendBlock(ctx, streaming.NopCloser(bytes.NewReader(data[:n])), &appendblob.AppendBlockOptions{}); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// uploadOutputs uploads dir (the job's outputs/) to ExperimentRun/dcid.<job>/outputs/.
func (e *Emulator) uploadOutputs(ctx context.Context, j *job, dir string) error {
	cc := e.blob.NewContainerClient(ArtifactContainer)
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = cc.NewBlockBlobClient("ExperimentRun/dcid."+j.name+"/outputs/"+filepath.ToSlash(rel)).UploadFile(ctx, f, nil)
		return err
	})
}

// parseISODuration reads the spec's "PT2H30M10S" timeouts (0 when absent or unreadable).
func parseISODuration(s string) time.Duration {
	s = strings.TrimPrefix(strings.ToUpper(s), "P")
	days := time.Duration(0)
	if d, rest, ok := strings.Cut(s, "D"); ok {
		var n int
		fmt.Sscanf(d, "%d", &n)
		days, s = time.Duration(n)*24*time.Hour, rest
	}
	s = strings.TrimPrefix(s, "T")
	d, err := time.ParseDuration(strings.ToLower(s))
	if err != nil && s != "" {
		return 0
	}
	return days + d
}
