package envbuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/internal/testenv"
)

// testSpec is a system-managed spec whose pip packages are pkgs.
func testSpec(t testing.TB, pkgs ...string) Spec {
	t.Helper()
	if pkgs == nil {
		pkgs = []string{}
	}
	deps, err := conda.Create(&conda.CreateOptions{PipPackages: pkgs})
	require.NoError(t, err)
	return Spec{Conda: deps}
}

// clearToolEnv hides any real $CONDA_EXE/$MAMBA_EXE from the test.
func clearToolEnv(t *testing.T) {
	t.Setenv("CONDA_EXE", "")
	t.Setenv("MAMBA_EXE", "")
}

func TestPrepareCondaBuildsOnceThenReuses(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba"})
	cache := filepath.Join(root, "cache")
	spec := testSpec(t, "numpy")

	var log1 bytes.Buffer
	p1, err := Prepare(context.Background(), spec, &Options{CacheDir: cache, ControlLog: &log1, LookPath: kit.lookPath})
	require.NoError(t, err)
	name := "azureml_" + spec.Conda.Hash()
	assert.Equal(t, name, p1.EnvName)
	assert.Equal(t, filepath.Join(cache, name), p1.Prefix)
	assert.Equal(t, filepath.Join(cache, name, "bin", "python"), p1.Python)
	assert.False(t, p1.Reused)
	require.Len(t, p1.Env, 3)
	assert.True(t, strings.HasPrefix(p1.Env[0], "PATH="+filepath.Join(p1.Prefix, "bin")+string(os.PathListSeparator)), p1.Env[0])
	assert.Equal(t, "CONDA_PREFIX="+p1.Prefix, p1.Env[1])
	assert.Equal(t, "CONDA_DEFAULT_ENV="+name, p1.Env[2])
	assert.Contains(t, log1.String(), "Building conda environment "+name+" with micromamba")
	assert.Contains(t, log1.String(), "Transaction finished", "tool output is streamed into the control log")

	marker, err := os.ReadFile(filepath.Join(p1.Prefix, readyMarkerName))
	require.NoError(t, err)
	assert.Equal(t, spec.Conda.Serialize(), marker)
	leftovers, err := filepath.Glob(filepath.Join(cache, ".azureml_*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers, "temporary spec files are removed")

	if realPython() != "" {
		out, err := exec.Command(p1.Python, "-c", "import sys; print(sys.version_info[0])").Output()
		require.NoError(t, err)
		assert.Equal(t, "3\n", string(out))
	}

	var log2 bytes.Buffer
	p2, err := Prepare(context.Background(), spec, &Options{CacheDir: cache, ControlLog: &log2, LookPath: kit.lookPath})
	require.NoError(t, err)
	assert.True(t, p2.Reused)
	assert.Equal(t, p1.Python, p2.Python)
	assert.Contains(t, log2.String(), "Reusing conda environment "+name)
	assert.Equal(t, 1, kit.invocations(t))
}

func TestPrepareCondaDialect(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "conda"})
	var log bytes.Buffer
	p, err := Prepare(context.Background(), testSpec(t), &Options{CacheDir: filepath.Join(root, "cache"), ControlLog: &log, LookPath: kit.lookPath})
	require.NoError(t, err, log.String())
	assert.False(t, p.Reused)
	assert.Contains(t, log.String(), " env create -p "+p.Prefix+" -f ")
	assert.Equal(t, 1, kit.invocations(t))
}

func TestPrepareToolPreference(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"),
		fakeTool{name: "conda"}, fakeTool{name: "mamba"}, fakeTool{name: "micromamba"})
	tool, ok := findCondaTool(kit.lookPath)
	require.True(t, ok)
	assert.Equal(t, "micromamba", tool.name)

	require.NoError(t, os.Remove(filepath.Join(kit.dir, "micromamba")))
	tool, ok = findCondaTool(kit.lookPath)
	require.True(t, ok)
	assert.Equal(t, "mamba", tool.name)

	none := func(string) (string, error) { return "", exec.ErrNotFound }
	t.Setenv("CONDA_EXE", filepath.Join(kit.dir, "conda"))
	tool, ok = findCondaTool(none)
	require.True(t, ok)
	assert.Equal(t, condaTool{name: "conda", path: filepath.Join(kit.dir, "conda")}, tool)

	t.Setenv("CONDA_EXE", "")
	kit.write(t, fakeTool{name: "micromamba"})
	t.Setenv("MAMBA_EXE", filepath.Join(kit.dir, "micromamba"))
	tool, ok = findCondaTool(none)
	require.True(t, ok)
	assert.Equal(t, "micromamba", tool.name)
}

func TestPrepareConcurrentCallsBuildOnce(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0.5"})
	cache := filepath.Join(root, "cache")
	spec := testSpec(t, "pandas")

	const n = 8
	var wg sync.WaitGroup
	results := make([]*Prepared, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = Prepare(context.Background(), spec, &Options{CacheDir: cache, LookPath: kit.lookPath})
		})
	}
	wg.Wait()
	built := 0
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, results[0].Python, results[i].Python)
		if !results[i].Reused {
			built++
		}
	}
	assert.Equal(t, 1, built, "exactly one call builds")
	assert.Equal(t, 1, kit.invocations(t))
}

// helperEnv names the environment variables of the cross-process helper.
const (
	helperFlag     = "AMLGO_ENVBUILD_HELPER"
	helperCache    = "AMLGO_ENVBUILD_HELPER_CACHE"
	helperToolsDir = "AMLGO_ENVBUILD_HELPER_TOOLS"
)

// TestHelperProcessPrepare is not a real test: TestPrepareCrossProcessBuildOnce
// re-executes the test binary to run it as a competing process.
func TestHelperProcessPrepare(t *testing.T) {
	if os.Getenv(helperFlag) != "1" {
		t.Skip("helper process for TestPrepareCrossProcessBuildOnce")
	}
	kit := fakeToolKit{dir: os.Getenv(helperToolsDir), counter: filepath.Join(os.Getenv(helperToolsDir), "invocations")}
	p, err := Prepare(context.Background(), testSpec(t, "scipy"), &Options{CacheDir: os.Getenv(helperCache), LookPath: kit.lookPath})
	if err != nil {
		fmt.Println("helper error:", err)
		os.Exit(1)
	}
	fmt.Printf("helper reused=%t\n", p.Reused)
}

func TestPrepareCrossProcessBuildOnce(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0.5"})
	cache := filepath.Join(root, "cache")

	const procs = 2
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessPrepare$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperFlag+"=1", helperCache+"="+cache, helperToolsDir+"="+kit.dir)
		outs[i] = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		require.NoError(t, cmd.Start())
		cmds[i] = cmd
	}
	p, err := Prepare(context.Background(), testSpec(t, "scipy"), &Options{CacheDir: cache, LookPath: kit.lookPath})
	require.NoError(t, err)
	built := 0
	if !p.Reused {
		built++
	}
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), outs[i].String())
		switch {
		case strings.Contains(outs[i].String(), "helper reused=false"):
			built++
		case strings.Contains(outs[i].String(), "helper reused=true"):
		default:
			t.Fatalf("helper output: %s", outs[i])
		}
	}
	assert.Equal(t, 1, built, "exactly one process builds")
	assert.Equal(t, 1, kit.invocations(t))
}

func TestPrepareDifferentSpecsDifferentPrefixes(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0"})
	opts := &Options{CacheDir: filepath.Join(root, "cache"), LookPath: kit.lookPath}
	a, err := Prepare(context.Background(), testSpec(t, "numpy"), opts)
	require.NoError(t, err)
	b, err := Prepare(context.Background(), testSpec(t, "torch"), opts)
	require.NoError(t, err)
	assert.NotEqual(t, a.Prefix, b.Prefix)
	assert.NotEqual(t, a.EnvName, b.EnvName)
	assert.False(t, a.Reused)
	assert.False(t, b.Reused)
	assert.Equal(t, 2, kit.invocations(t))
}

func TestPrepareFailedBuildLeavesNothing(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0", fail: true})
	cache := filepath.Join(root, "cache")
	spec := testSpec(t, "nosuchpkg==99")
	var log bytes.Buffer
	_, err := Prepare(context.Background(), spec, &Options{CacheDir: cache, ControlLog: &log, LookPath: kit.lookPath})
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "envbuild: "), msg)
	assert.Contains(t, msg, "exit status 3")
	assert.Contains(t, msg, "Could not solve for environment specs")
	assert.Contains(t, msg, "nosuchpkg ==99 does not exist")
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 3, exitErr.ExitCode())
	assert.Contains(t, log.String(), "nosuchpkg ==99 does not exist", "tool output reaches the control log")

	assert.NoDirExists(t, filepath.Join(cache, "azureml_"+spec.Conda.Hash()))
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	for _, e := range entries {
		assert.Equal(t, ".lock", filepath.Ext(e.Name()), "only the lock file may remain, found %s", e.Name())
	}

	// A fixed tool then builds the environment.
	kit.write(t, fakeTool{name: "micromamba", sleep: "0"})
	p, err := Prepare(context.Background(), spec, &Options{CacheDir: cache, LookPath: kit.lookPath})
	require.NoError(t, err)
	assert.False(t, p.Reused)
	assert.Equal(t, 2, kit.invocations(t))
}

func TestPrepareRemovesStalePrefix(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0"})
	cache := filepath.Join(root, "cache")
	spec := testSpec(t, "numpy")
	stale := filepath.Join(cache, "azureml_"+spec.Conda.Hash())
	require.NoError(t, os.MkdirAll(filepath.Join(stale, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stale, "bin", "python"), []byte("half-built"), 0o755))

	var log bytes.Buffer
	p, err := Prepare(context.Background(), spec, &Options{CacheDir: cache, ControlLog: &log, LookPath: kit.lookPath})
	require.NoError(t, err, log.String())
	assert.False(t, p.Reused, "a prefix without the ready marker is not reused")
	assert.Contains(t, log.String(), "Removing incomplete conda environment")
	assert.FileExists(t, filepath.Join(stale, readyMarkerName))
	assert.Equal(t, 1, kit.invocations(t))
}

func TestPrepareCancelDuringBuild(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "300"})
	cache := filepath.Join(root, "cache")
	spec := testSpec(t, "numpy")

	// Cancel once the tool runs: it prints "Transaction: solving" just before its long sleep.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log testenv.Watch
	var canceledAt time.Time
	go func() {
		select {
		case <-log.Seen("Transaction: solving"):
			canceledAt = time.Now()
			cancel()
		case <-time.After(testenv.Patience):
			cancel() // the tool never started: the test fails below on the missing line
		}
	}()
	_, err := Prepare(ctx, spec, &Options{CacheDir: cache, ControlLog: &log, LookPath: kit.lookPath})
	require.ErrorIs(t, err, context.Canceled)
	require.Contains(t, log.String(), "Transaction: solving", "canceled before the tool ran")
	// Soon after the cancel, not after the tool's 300 s.
	assert.Less(t, time.Since(canceledAt), 60*time.Second, "the tool is killed, not waited for")
	assert.NoDirExists(t, filepath.Join(cache, "azureml_"+spec.Conda.Hash()))

	// The lock was released: a later build proceeds at once.
	kit.write(t, fakeTool{name: "micromamba", sleep: "0"})
	ctx2, cancel2 := context.WithTimeout(context.Background(), testenv.Patience)
	defer cancel2()
	p, err := Prepare(ctx2, spec, &Options{CacheDir: cache, LookPath: kit.lookPath})
	require.NoError(t, err)
	assert.False(t, p.Reused)
}

func TestPrepareCancelWhileWaitingForLock(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0"})
	cache := filepath.Join(root, "cache")
	spec := testSpec(t, "numpy")
	require.NoError(t, os.MkdirAll(cache, 0o755))
	held, err := acquireFileLock(context.Background(), filepath.Join(cache, "azureml_"+spec.Conda.Hash()+".lock"), nil)
	require.NoError(t, err)
	defer held.release()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var log bytes.Buffer
	_, err = Prepare(ctx, spec, &Options{CacheDir: cache, ControlLog: &log, LookPath: kit.lookPath})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, log.String(), "Waiting for another run to finish building conda environment")
	assert.Equal(t, 0, kit.invocations(t))
}

func TestPrepareNoCondaTool(t *testing.T) {
	clearToolEnv(t)
	none := func(name string) (string, error) { return "", &exec.Error{Name: name, Err: exec.ErrNotFound} }
	_, err := Prepare(context.Background(), testSpec(t), &Options{CacheDir: t.TempDir(), LookPath: none})
	require.ErrorIs(t, err, ErrNoConda)
	msg := err.Error()
	for _, want := range []string{"envbuild: ", "micromamba", "mamba", "conda", "Miniconda", "Mambaforge",
		"environment.python.userManagedDependencies: true", "environment.python.interpreterPath"} {
		assert.Contains(t, msg, want)
	}
}

func TestPrepareDefaultCacheDir(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(root, "xdg"))
	t.Setenv("HOME", filepath.Join(root, "home"))
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0"})
	p, err := Prepare(context.Background(), Spec{}, &Options{LookPath: kit.lookPath})
	require.NoError(t, err)
	want := filepath.Join(root, "xdg", "amlgo", "envs", "azureml_"+conda.New().Hash())
	assert.Equal(t, want, p.Prefix, "nil Conda means azureml's default dependencies")
}

func TestPrepareBaseCondaEnvironmentNoted(t *testing.T) {
	clearToolEnv(t)
	root := t.TempDir()
	kit := newFakeToolKit(t, filepath.Join(root, "tools"), fakeTool{name: "micromamba", sleep: "0"})
	spec := testSpec(t)
	spec.BaseCondaEnvironment = "base"
	var log bytes.Buffer
	_, err := Prepare(context.Background(), spec, &Options{CacheDir: filepath.Join(root, "cache"), ControlLog: &log, LookPath: kit.lookPath})
	require.NoError(t, err)
	assert.Contains(t, log.String(), `environment.python.baseCondaEnvironment "base" is not used on the local target`)
}

func TestPrepareCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Prepare(ctx, Spec{UserManaged: true}, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, strings.HasPrefix(err.Error(), "envbuild: "), err.Error())
}
