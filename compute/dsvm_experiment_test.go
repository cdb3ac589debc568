package compute_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// vmRunConfig is a run configuration for target "vm" with the VM's python3.
func vmRunConfig() *runconfig.RunConfiguration {
	rc := runconfig.New()
	rc.Target = "vm"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	return rc
}

func writeSource(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// TestDSVMDropConnectionMidRun kills the SSH connection (the per-connection sshd processes)
// twice while a run streams its log: the run goes on on the VM, amlgo reconnects, and every
// line reaches ShowOutput exactly once. The script stops after lines 5 and 25 until the test,
// having seen the line and dropped the connection, opens a gate: both drops happen mid-run
// however late the test sees the lines.
func TestDSVMDropConnectionMidRun(t *testing.T) {
	ctx := context.Background()
	srv, ws, d := vmTarget(t)
	const n = 40
	gate := fmt.Sprintf("%s/drop-gate-%d-%d-", srv.Home, os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() { _ = os.Remove(gate + "5"); _ = os.Remove(gate + "25") })
	dir := writeSource(t, map[string]string{"train.py": fmt.Sprintf(`import os, time
from azureml.core import Run
run = Run.get_context()
for i in range(%d):
    print('line', i, flush=True)
    run.log('i', i)
    while i in (5, 25) and not os.path.exists(%q + str(i)):
        time.sleep(0.02)
`, n, gate)})
	exp, err := experiment.New(ws, "drop")
	require.NoError(t, err)
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: vmRunConfig()},
		&experiment.SubmitOptions{Target: d})
	require.NoError(t, err)

	var out testenv.Watch
	dropped := make(chan int, 1)
	go func() {
		drops := 0
		for _, at := range []string{"5", "25"} {
			select {
			case <-out.Seen("line " + at + "\n"):
				srv.DropConnections(t)
				drops++
			case <-time.After(testenv.Patience): // counted as a missing drop below
			}
			if err := os.WriteFile(gate+at, nil, 0o644); err != nil {
				t.Error(err)
			}
		}
		dropped <- drops
	}()
	details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, 2, <-dropped)
	assert.Equal(t, "Completed", string(details.Status))
	counts := map[string]int{}
	for _, line := range strings.Split(out.String(), "\n") {
		counts[line]++
	}
	for i := 0; i < n; i++ {
		assert.Equal(t, 1, counts[fmt.Sprintf("line %d", i)], "line %d", i)
	}
	metrics, err := run.Metrics(ctx)
	require.NoError(t, err)
	assert.Len(t, metrics["i"], n, "every metric record exactly once")
}

// TestDSVMResubmitSendsNoFileBytes submits the same source twice: the second time the VM's
// blob store has every file, and nothing is sent.
func TestDSVMResubmitSendsNoFileBytes(t *testing.T) {
	ctx := context.Background()
	_, ws, d := vmTarget(t)
	files := map[string]string{"train.py": "import os\nos.makedirs('outputs', exist_ok=True)\nopen('outputs/n.txt', 'w').write(str(len(os.listdir('data'))))\nprint('ok')\n"}
	for i := 0; i < 20; i++ {
		files[fmt.Sprintf("data/f%02d.txt", i)] = strings.Repeat(fmt.Sprint(i), 1000)
	}
	dir := writeSource(t, files)
	exp, err := experiment.New(ws, "resubmit")
	require.NoError(t, err)
	submit := func() {
		run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: vmRunConfig()},
			&experiment.SubmitOptions{Target: d})
		require.NoError(t, err)
		details, err := run.WaitForCompletion(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, "Completed", string(details.Status))
		var b bytes.Buffer
		require.NoError(t, run.DownloadFile(ctx, "outputs/n.txt", filepath.Join(t.TempDir(), "n.txt")))
		_ = b
	}
	submit()
	first := d.UploadStats()
	assert.Equal(t, int64(21), first.Files)
	assert.Positive(t, first.Bytes)
	submit()
	second := d.UploadStats()
	assert.Equal(t, first.Files, second.Files, "no file sent the second time")
	assert.Equal(t, first.Bytes, second.Bytes, "no byte sent the second time")
	assert.Equal(t, 2*first.Checked, second.Checked)
}

// TestDSVMSecretsNeverWritten runs on a password target and on an encrypted-key target, makes a
// failing attach, and scans everything amlgo wrote — the workspace, the debug log, the errors
// and amlgo's directory on the VM — for the password and the key passphrase.
func TestDSVMSecretsNeverWritten(t *testing.T) {
	ctx := context.Background()
	srv := sshtest.Start(t)
	ws := openWorkspace(t)
	var debug lockedBuffer
	logger := slog.New(slog.NewTextHandler(&debug, &slog.HandlerOptions{Level: slog.LevelDebug}))
	secrets := []string{srv.Password, srv.KeyPassphrase}
	var errs []string
	remoteDir := ".azureml/amlgo-secrets-test"
	t.Cleanup(func() { srv.Exec(t, "rm -rf "+remoteDir) })

	_, err := compute.AttachRemote(ctx, ws, "pw", &compute.RemoteAttachConfig{
		Address: srv.Host, SSHPort: srv.Port, Username: srv.User, Password: srv.Password, KnownHostsFile: srv.KnownHostsFile})
	require.NoError(t, err)
	_, err = compute.AttachRemote(ctx, ws, "enc", &compute.RemoteAttachConfig{
		Address: srv.Host, SSHPort: srv.Port, Username: srv.User, PrivateKeyFile: srv.EncryptedKeyFile,
		PrivateKeyPassphrase: srv.KeyPassphrase, KnownHostsFile: srv.KnownHostsFile})
	require.NoError(t, err)
	_, err = compute.AttachRemote(ctx, ws, "bad", &compute.RemoteAttachConfig{
		Address: srv.Host, SSHPort: srv.Port, Username: srv.User, Password: srv.Password + "x", KnownHostsFile: srv.KnownHostsFile})
	require.Error(t, err)
	errs = append(errs, err.Error())

	dir := writeSource(t, map[string]string{"train.py": "import os\nfor k, v in sorted(os.environ.items()):\n    print(k, v)\n"})
	exp, err := experiment.New(ws, "secrets")
	require.NoError(t, err)
	for _, name := range []string{"pw", "enc"} {
		target, err := compute.GetDSVM(ctx, ws, name, &compute.DSVMOptions{RemoteDir: remoteDir, Logger: logger})
		require.NoError(t, err)
		rc := vmRunConfig()
		rc.Target = name
		run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: rc},
			&experiment.SubmitOptions{Target: target, Logger: logger})
		require.NoError(t, err)
		_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &debug})
		require.NoError(t, err)
		rc.Environment.Python.InterpreterPath = "/nonexistent/python"
		_, err = exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: rc},
			&experiment.SubmitOptions{Target: target, Logger: logger})
		require.Error(t, err)
		errs = append(errs, err.Error())
		target.Close()
	}

	scan := func(what, content string) {
		for _, s := range secrets {
			assert.NotContains(t, content, s, "secret found in %s", what)
		}
	}
	scan("debug log and output", debug.String())
	scan("errors", strings.Join(errs, "\n"))
	scanTree := func(root string) int {
		n := 0
		require.NoError(t, filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n++
			scan(p, string(b))
			return nil
		}))
		return n
	}
	assert.Positive(t, scanTree(ws.Dir()))
	assert.Positive(t, scanTree(filepath.Join(srv.Home, remoteDir)))
}

// TestDSVMUploadedFilesAndOutputs checks the files a script hands to the run context
// (upload_file) and writes to outputs/ and logs/ become the run's artifacts.
func TestDSVMUploadedFilesAndOutputs(t *testing.T) {
	ctx := context.Background()
	_, ws, d := vmTarget(t)
	dir := writeSource(t, map[string]string{"train.py": `import os
from azureml.core import Run
run = Run.get_context()
open('report.txt', 'w').write('uploaded by the script\n')
run.upload_file('outputs/report.txt', 'report.txt')
os.makedirs('outputs/model', exist_ok=True)
open('outputs/model/weights.bin', 'wb').write(bytes(range(256)) * 4096)
os.makedirs('logs', exist_ok=True)
open('logs/train.log', 'w').write('epoch 1\n')
`})
	exp, err := experiment.New(ws, "files")
	require.NoError(t, err)
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: vmRunConfig()},
		&experiment.SubmitOptions{Target: d})
	require.NoError(t, err)
	_, err = run.WaitForCompletion(ctx, nil)
	require.NoError(t, err)
	out := t.TempDir()
	for name, want := range map[string]int{"outputs/report.txt": len("uploaded by the script\n"), "outputs/model/weights.bin": 256 * 4096, "logs/train.log": 8} {
		dest := filepath.Join(out, filepath.Base(name))
		require.NoError(t, run.DownloadFile(ctx, name, dest), name)
		fi, err := os.Stat(dest)
		require.NoError(t, err)
		assert.Equal(t, int64(want), fi.Size(), name)
	}
}

// TestDSVMExperimentReattach follows a VM run from a second workspace handle (as a new SDK
// process would): experiment finds the target with compute.Get and reattaches from the run's
// recorded state.
func TestDSVMExperimentReattach(t *testing.T) {
	ctx := context.Background()
	_, ws, d := vmTarget(t)
	dir := writeSource(t, map[string]string{"train.py": "import time\nfrom azureml.core import Run\nfor i in range(5):\n    print('step', i, flush=True)\n    Run.get_context().log('step', i)\n    time.sleep(0.1)\n"})
	exp, err := experiment.New(ws, "reattach")
	require.NoError(t, err)
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: vmRunConfig()},
		&experiment.SubmitOptions{Target: d})
	require.NoError(t, err)

	ws2, err := workspace.Open(ws.Dir(), nil)
	require.NoError(t, err)
	defer ws2.Close()
	again, err := experiment.GetRun(ctx, ws2, run.ID())
	require.NoError(t, err)
	var out lockedBuffer
	details, err := again.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err)
	assert.Equal(t, "Completed", string(details.Status))
	assert.Contains(t, out.String(), "step 0\nstep 1\nstep 2\nstep 3\nstep 4\n")
	m, err := again.Metrics(ctx)
	require.NoError(t, err)
	assert.Len(t, m["step"], 5)
}

// TestDSVMSubmitEnvironmentFailureAndWarnings: the rule of experiment.Submit holds on a VM
// target too — an interpreter that is not on the VM leaves one Failed run (UserError) that
// Submit returns with the error — and ignored settings reach OnWarning and the VM's control log.
func TestDSVMSubmitEnvironmentFailureAndWarnings(t *testing.T) {
	ctx := context.Background()
	srv, ws, d := vmTarget(t)
	exp, err := experiment.New(ws, "vmenv")
	require.NoError(t, err)
	dir := writeSource(t, map[string]string{"train.py": "print('ok')\n"})

	rc := vmRunConfig()
	rc.Environment.Python.InterpreterPath = "/nonexistent/bin/python3"
	rc.History.SnapshotProject = false
	var warnings []string
	run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: rc},
		&experiment.SubmitOptions{Target: d, OnWarning: func(w string) { warnings = append(warnings, w) }})
	require.Error(t, err)
	require.NotNil(t, run)
	var runErr *experiment.RunError
	require.ErrorAs(t, err, &runErr)
	assert.Equal(t, experiment.StatusFailed, runErr.Status)
	assert.Equal(t, "UserError", runErr.Code)
	assert.ErrorIs(t, err, compute.ErrEnvironment)
	assert.Contains(t, runErr.Message, `preparing the environment: VM target "vm": python interpreter not found: "/nonexistent/bin/python3"`)
	assert.NotContains(t, err.Error(), "envbuild")
	st, err := run.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusFailed, st)

	want := "history.snapshotProject is false, but amlgo snapshots the source directory of every run: the script runs from the snapshot"
	assert.Equal(t, []string{want}, warnings)
	log := srv.Exec(t, "cat .azureml/amlgo-test-*/runs/"+run.ID()+"/azureml-logs/60_control_log.txt")
	assert.Contains(t, log, "] Warning: "+want+"\n")
	assert.Contains(t, log, "Environment preparation failed")
}
