package amlemu

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/amlgo/amlgo/internal/dockerexec"
)

// tailInterval is how often a running job's log file is appended to its log blob.
const tailInterval = 100 * time.Millisecond

// execute runs the job's container and streams its log to the log blob. It returns the
// command's exit code, or a terminal status ("Canceled", "Failed") with a message when the job
// did not run to its end (a "System:" message is the service's fault).
func (e *Emulator) execute(ctx context.Context, j *job, s jobSpec, image, dir string) (int, string, string) {
	logPath := filepath.Join(dir, "std_log.txt")
	if err := os.WriteFile(logPath, nil, 0o666); err != nil {
		return 0, "Failed", "System: " + err.Error()
	}
	_ = os.Chmod(dir, 0o777)
	_ = os.Chmod(filepath.Join(dir, "wd"), 0o777)
	env := []string{
		"AZUREML_RUN_ID=" + j.name,
		"MLFLOW_TRACKING_URI=" + e.MLflowBase(j.wsID),
		"MLFLOW_RUN_ID=" + j.name,
		"MLFLOW_EXPERIMENT_NAME=" + s.experiment,
		"MLFLOW_TRACKING_TOKEN=" + JobToken,
		"AZUREML_ARM_WORKSPACE_NAME=" + lastSegment(j.wsID),
	}
	keys := make([]string, 0, len(s.env))
	for k := range s.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+s.env[k])
	}
	name := "amlemu-" + j.name
	cspec := dockerexec.ContainerSpec{
		Name:        name,
		Image:       image,
		Cmd:         []string{"bash", "-c", "exec >>" + jobMount + "/std_log.txt 2>&1\n" + s.command},
		Env:         env,
		WorkingDir:  jobMount + "/wd",
		Binds:       []string{dir + ":" + jobMount},
		Labels:      map[string]string{"amlemu.job": j.name},
		StopTimeout: 2 * time.Second,
		NetworkMode: e.opts.JobNetwork,
	}
	if _, err := e.opts.Docker.CreateContainer(ctx, cspec); err != nil {
		return 0, "Failed", "Preparing the job's container failed: " + err.Error()
	}
	defer e.opts.Docker.Remove(context.WithoutCancel(ctx), name)
	if err := e.opts.Docker.StartContainer(ctx, name); err != nil {
		return 0, "Failed", "Starting the job's container failed: " + err.Error()
	}
	e.setStatus(j, "Running", func(j *job) { j.started = time.Now().UTC() })
	e.mu.Lock()
	delay := e.logDelay
	e.mu.Unlock()
	start := time.Now()
	var sent int64
	flush := func(final bool) error {
		if !final && time.Since(start) < delay {
			return nil
		}
		f, err := os.Open(logPath)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.Seek(sent, io.SeekStart); err != nil {
			return err
		}
		data, err := io.ReadAll(f)
		if err != nil || len(data) == 0 {
			return err
		}
		if !final {
			// Whole lines only while the job runs, as the service's log shipper does.
			if i := lastNewline(data); i >= 0 {
				data = data[:i+1]
			} else {
				return nil
			}
		}
		if err := e.appendLog(ctx, j, data); err != nil {
			return err
		}
		sent += int64(len(data))
		return nil
	}
	tick := time.NewTicker(tailInterval)
	defer tick.Stop()
	var deadline <-chan time.Time
	if s.timeout > 0 {
		t := time.NewTimer(s.timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return 0, "Canceled", "the emulator stopped"
		case <-j.cancel:
			_ = e.opts.Docker.Kill(ctx, name, "SIGTERM")
			e.waitExit(ctx, name, 5*time.Second)
			_ = flush(true)
			return 0, "Canceled", ""
		case <-deadline:
			_ = e.opts.Docker.Kill(ctx, name, "SIGKILL")
			_ = flush(true)
			return 0, "Failed", fmt.Sprintf("The job exceeded its timeout (%s) and was stopped.", s.timeout)
		case <-tick.C:
		}
		if err := flush(false); err != nil {
			return 0, "Failed", "System: shipping the job's log failed: " + err.Error()
		}
		st, err := e.opts.Docker.Inspect(ctx, name)
		if err != nil {
			continue // the engine may be briefly away
		}
		if st.Exists && st.Running {
			continue
		}
		_ = flush(true)
		if !st.Exists || e.lost(j) {
			return 0, "Failed", "System: the node running the job was lost (preempted or failed); the job did not finish"
		}
		return st.ExitCode, "", ""
	}
}

func (e *Emulator) waitExit(ctx context.Context, name string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		st, err := e.opts.Docker.Inspect(ctx, name)
		if err == nil && (!st.Exists || !st.Running) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = e.opts.Docker.Kill(ctx, name, "SIGKILL")
}

// LoseNode kills the container of a running job as a lost node would: the job ends Failed
// with a system error.
func (e *Emulator) LoseNode(jobName string) error {
	e.mu.Lock()
	var found *job
	for _, j := range e.jobs {
		if j.name == jobName {
			found = j
		}
	}
	e.mu.Unlock()
	if found == nil {
		return fmt.Errorf("amlemu: no job %s", jobName)
	}
	e.arm.Lock()
	found.errCode = "lost"
	e.arm.Unlock()
	return e.opts.Docker.Kill(context.Background(), "amlemu-"+jobName, "SIGKILL")
}

func (e *Emulator) lost(j *job) bool {
	e.arm.Lock()
	defer e.arm.Unlock()
	return j.errCode == "lost"
}

func lastNewline(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return i
		}
	}
	return -1
}

func lastSegment(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}
