package containergroup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/rundir"
	"github.com/amlgo/amlgo/internal/testenv"
)

// bootRun is one run of the bootstrap on this machine against a real Azurite: the container's
// part of a container-instance run, without the container.
type bootRun struct {
	store *Store
	runID string
	dir   string
	cmd   *exec.Cmd
	out   bytes.Buffer
	plan  driver.BootPlan
}

func newStore(t *testing.T) *Store {
	t.Helper()
	az := azuritetest.Start(t)
	st, err := NewStore(az.BlobEndpoint, az.AccountName, az.AccountKey, nil)
	require.NoError(t, err)
	require.NoError(t, st.Ensure(context.Background()))
	return st
}

// content returns an uploadable content and its manifest entry.
func content(p string, data []byte, mode uint32) (Content, driver.BootFile) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	return Content{SHA256: h, Size: int64(len(data)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }},
		driver.BootFile{Path: p, SHA256: h, Mode: mode}
}

// startBoot uploads script as wd/train.py with the wrapper and shim and starts the bootstrap.
func startBoot(t *testing.T, st *Store, runID, script string) (*bootRun, UploadStats) {
	t.Helper()
	ctx := context.Background()
	python, err := exec.LookPath("python3")
	if err != nil {
		testenv.SkipOrFail(t, "python3 is not installed")
	}
	dir := t.TempDir()
	var m driver.BootManifest
	var cs []Content
	add := func(p string, data []byte, mode uint32) {
		c, f := content(p, data, mode)
		cs, m.Files = append(cs, c), append(m.Files, f)
	}
	add("wd/train.py", []byte(script), 0o644)
	m.Files = append(m.Files, driver.BootFile{Path: "wd/data", Dir: true}, driver.BootFile{Path: "wd/link.py", Symlink: "train.py"})
	add(driver.RelWrapper, driver.WrapperScript, 0o755)
	require.NoError(t, fs.WalkDir(driver.ShimFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(driver.ShimFS, p)
		require.NoError(t, err)
		add(path.Join(driver.RelShimDir, p), b, 0o644)
		return nil
	}))
	m.Command = driver.SlashLayout(dir).Command([]string{python, "train.py"}, &driver.CommandOptions{Grace: 2 * time.Second})
	stats, err := st.UploadFiles(ctx, cs)
	require.NoError(t, err)
	name, _, err := st.PutManifest(ctx, m)
	require.NoError(t, err)
	plan, err := st.Plan(runID, name, time.Hour, time.Hour)
	require.NoError(t, err)
	plan.Interval = 0.2
	planText, err := plan.MarshalPlan()
	require.NoError(t, err)
	require.NoError(t, st.AppendRunFile(ctx, runID, driver.RelControlLog, []byte("sdk: prepared\n")))
	b := &bootRun{store: st, runID: runID, dir: dir, plan: plan}
	b.cmd = exec.Command(python, "-c", driver.ContainerBootstrap)
	b.cmd.Env = append(os.Environ(), driver.BootPlanVar+"="+planText, "AMLGO_RUN_DIR="+dir, "AZUREML_RUN_ID="+runID,
		"PYTHONPATH="+filepath.Join(dir, driver.RelShimDir), "PYTHONUNBUFFERED=1")
	b.cmd.Stdout, b.cmd.Stderr = &b.out, &b.out
	require.NoError(t, b.cmd.Start())
	t.Cleanup(func() { _ = b.cmd.Process.Kill(); _ = b.cmd.Wait() })
	return b, stats
}

// observeAll observes the run's blobs until the exit code, as the SDK does, and returns every
// observation's log bytes by log and the records.
func observeAll(t *testing.T, b *bootRun, onRunning func()) (*rundir.Observation, map[string]string, []string) {
	t.Helper()
	ctx := context.Background()
	exited := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(exited) }()
	o := &rundir.Observer{FS: b.store.RunFS(b.runID), Paths: driver.SlashLayout(""), Alive: func(context.Context) (bool, error) {
		select {
		case <-exited:
			return false, nil
		default:
			return true, nil
		}
	}}
	logs := map[string]string{}
	var recs []string
	var cur rundir.Cursor
	deadline := time.Now().Add(testenv.Patience)
	ran := false
	for time.Now().Before(deadline) {
		obs, err := o.Observe(ctx, cur, 0)
		require.NoError(t, err)
		for _, c := range obs.Logs {
			require.Equal(t, int64(len(logs[c.Name])), c.Offset, "chunk of %s at the wrong offset", c.Name)
			logs[c.Name] += string(c.Data)
		}
		for _, r := range obs.Records {
			recs = append(recs, string(r.Line))
		}
		cur = obs.Next
		if obs.Status == "Running" && !ran && onRunning != nil {
			ran = true
			onRunning()
		}
		if obs.ExitCode != nil || obs.Status == "Failed" {
			return obs, logs, recs
		}
		select {
		case <-exited:
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("the run did not end; bootstrap output:\n%s", b.out.String())
	return nil, nil, nil
}

func TestBootstrapRunsAndWritesEverythingOnce(t *testing.T) {
	st := newStore(t)
	script := `import os, sys
from azureml.core import Run
run = Run.get_context()
for i in range(300):
    print("line", i, flush=True)
    run.log("loss", 1.0 / (i + 1))
os.makedirs("outputs", exist_ok=True)
open("outputs/model.txt", "w").write("weights")
assert os.readlink("link.py") == "train.py" and os.path.isdir("data")
assert "AMLGO_ACI_PLAN" not in os.environ, "the plan reached the script"
print("done", file=sys.stderr)
`
	b, stats := startBoot(t, st, "exp_1_aaaa", script)
	assert.Greater(t, stats.Uploaded, 2)
	obs, logs, recs := observeAll(t, b, nil)
	require.NotNil(t, obs.ExitCode, "bootstrap output:\n%s", b.out.String())
	assert.Equal(t, 0, *obs.ExitCode, "logs: %v\nbootstrap: %s", logs, b.out.String())
	assert.Equal(t, "Completed", obs.Status)
	driverLog := logs[driver.RelDriverLog]
	for i := range 300 {
		assert.Equal(t, 1, strings.Count(driverLog, "line "+itoa(i)+"\n"), "line %d", i)
	}
	assert.Contains(t, driverLog, "done")
	assert.True(t, strings.HasPrefix(logs[driver.RelControlLog], "sdk: prepared\n"), logs[driver.RelControlLog])
	assert.Len(t, recs, 300)
	// The container's own log mirrors the driver log (Container Instances' log fallback).
	assert.Contains(t, b.out.String(), "line 299")
	assert.NotContains(t, b.out.String()+driverLog+logs[driver.RelControlLog], "sig=")

	r, ok, err := st.OpenOutputs(context.Background(), b.runID)
	require.NoError(t, err)
	require.True(t, ok)
	names := map[string]string{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		data, _ := io.ReadAll(tr)
		names[h.Name] = string(data)
	}
	r.Close()
	assert.Equal(t, "weights", names["outputs/model.txt"])
	assert.Contains(t, names, driver.RelDriverLog)

	// The same files again: nothing uploaded.
	b2, stats2 := startBoot(t, st, "exp_2_bbbb", script)
	assert.Equal(t, 0, stats2.Uploaded)
	assert.Greater(t, stats2.Present, 2)
	obs2, _, _ := observeAll(t, b2, nil)
	require.NotNil(t, obs2.ExitCode)
	assert.Equal(t, 0, *obs2.ExitCode)
}

func TestBootstrapCancelAndFailure(t *testing.T) {
	st := newStore(t)
	b, _ := startBoot(t, st, "exp_3_cccc", "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n")
	obs, logs, _ := observeAll(t, b, func() {
		_, err := st.RequestKill(context.Background(), b.runID)
		require.NoError(t, err)
	})
	assert.Equal(t, "Canceled", obs.Status, "logs %v\n%s", logs, b.out.String())
	assert.Contains(t, logs[driver.RelDriverLog], "sleeping")

	b2, _ := startBoot(t, st, "exp_4_dddd", "import sys\nprint('bad input', file=sys.stderr)\nsys.exit(3)\n")
	obs2, logs2, _ := observeAll(t, b2, nil)
	require.NotNil(t, obs2.ExitCode)
	assert.Equal(t, 3, *obs2.ExitCode)
	assert.Equal(t, "Failed", obs2.Status)
	assert.Contains(t, logs2[driver.RelDriverLog], "bad input")
	var plan map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustPlan(t, b2.plan)), &plan))
}

func mustPlan(t *testing.T, p driver.BootPlan) string {
	s, err := p.MarshalPlan()
	require.NoError(t, err)
	return s
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonNum(i)) }

func jsonNum(i int) string { b, _ := json.Marshal(i); return string(b) }
