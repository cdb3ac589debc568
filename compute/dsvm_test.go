package compute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/compute/computetest"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
	"github.com/amlgo/amlgo/workspace"
)

var vmSeq atomic.Int64

// vmTarget starts an sshd, attaches it to a fresh workspace with key authentication and
// returns the target with a test-private amlgo directory on the VM.
func vmTarget(t *testing.T) (*sshtest.Server, *workspace.Workspace, *compute.DSVM) {
	t.Helper()
	return vmTargetWith(t, nil)
}

// vmTargetWith is vmTarget with options (RemoteDir and CancelGracePeriod are the test's).
func vmTargetWith(t *testing.T, opts *compute.DSVMOptions) (*sshtest.Server, *workspace.Workspace, *compute.DSVM) {
	t.Helper()
	srv := sshtest.Start(t)
	ws := openWorkspace(t)
	ctx := context.Background()
	_, err := compute.AttachRemote(ctx, ws, "vm", &compute.RemoteAttachConfig{
		Address: srv.Host, SSHPort: srv.Port, Username: srv.User,
		PrivateKeyFile: srv.KeyFile, KnownHostsFile: srv.KnownHostsFile,
	})
	require.NoError(t, err)
	dir := ".azureml/amlgo-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(vmSeq.Add(1), 10)
	var o compute.DSVMOptions
	if opts != nil {
		o = *opts
	}
	o.CancelGracePeriod, o.RemoteDir = time.Second, dir
	d, err := compute.GetDSVM(ctx, ws, "vm", &o)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = d.Close()
		srv.Exec(t, "rm -rf "+dir)
	})
	return srv, ws, d
}

func TestDSVMConformance(t *testing.T) {
	_, _, d := vmTarget(t)
	computetest.TestTarget(t, d)
}

func TestDSVMAttachValidation(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	cases := []struct {
		cfg  compute.RemoteAttachConfig
		want string
	}{
		{compute.RemoteAttachConfig{Username: "u", Password: "p"}, "Error, missing address/resource_id."},
		{compute.RemoteAttachConfig{Address: "h", ResourceID: "/x", Username: "u", Password: "p"}, "Error, only one of address/resource_id can be used."},
		{compute.RemoteAttachConfig{Address: "h", SSHPort: -1, Username: "u", Password: "p"}, "Error, missing ssh-port."},
		{compute.RemoteAttachConfig{Address: "h", Password: "p"}, "Error, no username provided. Please provide a username and either apassword or key information."},
		{compute.RemoteAttachConfig{Address: "h", Username: "u"}, "Error, no password or key information provided. Please provide either a password or key information."},
		{compute.RemoteAttachConfig{Address: "h", Username: "u", Password: "p", UseAgent: true}, "Invalid attach information, both password and key information provided. Please provide either a password or key information"},
		{compute.RemoteAttachConfig{Address: "h", Username: "u", PrivateKeyFile: "/nonexistent/key"}, "Error while reading key information:"},
	}
	for _, c := range cases {
		_, err := compute.AttachRemote(ctx, ws, "vm", &c.cfg)
		require.Error(t, err, c.want)
		assert.ErrorIs(t, err, compute.ErrInvalidAttachConfig)
		assert.Contains(t, err.Error(), c.want)
	}
	_, err := compute.AttachRemote(ctx, ws, "local", &compute.RemoteAttachConfig{Address: "h", Username: "u", Password: "p"})
	assert.ErrorIs(t, err, compute.ErrReservedName)
}

func TestDSVMAttachGetListDetach(t *testing.T) {
	ctx := context.Background()
	srv := sshtest.Start(t)
	ws := openWorkspace(t)
	d, err := compute.AttachRemote(ctx, ws, "pwvm", &compute.RemoteAttachConfig{
		Address: srv.Host, SSHPort: srv.Port, Username: srv.User, Password: srv.Password, KnownHostsFile: srv.KnownHostsFile,
	})
	require.NoError(t, err)
	defer d.Close()
	host := d.Host()
	require.NotNil(t, host)
	assert.Equal(t, "Linux", host.OS)
	assert.NotEmpty(t, host.Python3)
	assert.Positive(t, host.FreeDiskBytes)
	assert.Positive(t, host.CPUs)
	state, err := d.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, compute.ProvisioningSucceeded, state)

	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	rec, err := st.Compute(ctx, "pwvm")
	require.NoError(t, err)
	assert.Equal(t, "VirtualMachine", rec.Type)
	assert.NotContains(t, string(rec.Config), srv.Password)
	assert.Contains(t, string(rec.Config), `"authMethod":"password"`)

	got, err := compute.Get(ctx, ws, "pwvm")
	require.NoError(t, err)
	vm, ok := got.(*compute.DSVM)
	require.True(t, ok, "Get returns *DSVM")
	_, err = vm.Status(ctx) // the password given to AttachRemote is remembered in this process
	require.NoError(t, err)
	vm.Close()
	all, err := compute.List(ctx, ws)
	require.NoError(t, err)
	assert.IsType(t, &compute.DSVM{}, all["pwvm"])

	// Detach forgets the target and its password.
	require.NoError(t, d.Detach(ctx))
	_, err = compute.Get(ctx, ws, "pwvm")
	assert.ErrorIs(t, err, compute.ErrNotFound)

	// The same record in a workspace of another process: the password must be given again.
	require.NoError(t, st.PutCompute(ctx, rec))
	got, err = compute.Get(ctx, ws, "pwvm")
	require.NoError(t, err)
	vm = got.(*compute.DSVM)
	_, err = vm.Status(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SetPassword")
	vm.SetPassword(srv.Password)
	_, err = vm.Status(ctx)
	require.NoError(t, err)
	vm.Close()
}

func TestDSVMHostKeyAndAuthErrors(t *testing.T) {
	ctx := context.Background()
	srv := sshtest.Start(t)
	ws := openWorkspace(t)
	base := compute.RemoteAttachConfig{Address: srv.Host, SSHPort: srv.Port, Username: srv.User, PrivateKeyFile: srv.KeyFile}

	empty := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	cfg := base
	cfg.KnownHostsFile = empty
	_, err := compute.AttachRemote(ctx, ws, "vm", &cfg)
	assert.ErrorIs(t, err, compute.ErrHostUnknown)
	assert.Contains(t, err.Error(), "SHA256:")

	other := sshtest.Start(t) // another server, another host key
	cfg = base
	cfg.HostKey = other.HostPublicKey
	_, err = compute.AttachRemote(ctx, ws, "vm", &cfg)
	assert.ErrorIs(t, err, compute.ErrHostKeyMismatch)
	assert.Contains(t, err.Error(), "SHA256:")

	cfg = compute.RemoteAttachConfig{Address: srv.Host, SSHPort: srv.Port, Username: srv.User, Password: "wrong-" + srv.Password, KnownHostsFile: srv.KnownHostsFile}
	_, err = compute.AttachRemote(ctx, ws, "vm", &cfg)
	assert.ErrorIs(t, err, compute.ErrAuth)
	assert.Contains(t, err.Error(), "password")
	assert.NotContains(t, err.Error(), cfg.Password)

	_, err = compute.Get(ctx, ws, "vm")
	assert.ErrorIs(t, err, compute.ErrNotFound, "failed attaches record nothing")
}

func TestDSVMUnreachableWithinDeadline(t *testing.T) {
	ws := openWorkspace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	// 192.0.2.0/24 is TEST-NET-1: never routed.
	_, err := compute.AttachRemote(ctx, ws, "vm", &compute.RemoteAttachConfig{Address: "192.0.2.1", Username: "u", Password: "p", InsecureIgnoreHostKey: true})
	require.Error(t, err)
	// Bounded by ctx (2 s), not by the 15 s dial timeout.
	assert.Less(t, time.Since(start), 12*time.Second)
	assert.Contains(t, err.Error(), "192.0.2.1")

	// A server that accepts TCP but never answers: the handshake is cut at the deadline.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start = time.Now()
	_, err = compute.AttachRemote(ctx, ws, "vm", &compute.RemoteAttachConfig{Address: "127.0.0.1", SSHPort: port, Username: "u", Password: "p", InsecureIgnoreHostKey: true})
	require.Error(t, err)
	// Bounded by ctx (1 s), not by the 15 s dial timeout.
	assert.Less(t, time.Since(start), 12*time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestDSVMWithoutPythonOrConda(t *testing.T) {
	ctx := context.Background()
	srv, _, d := vmTarget(t)
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "/nonexistent/bin/python3"
	_, err := d.Start(ctx, computetest.Job(t, "run_nopython", "pass\n", rc))
	require.Error(t, err)
	assert.ErrorIs(t, err, envbuild.ErrInterpreterNotFound)
	assert.Contains(t, err.Error(), "/nonexistent/bin/python3")
	assert.Contains(t, err.Error(), "interpreterPath")

	assert.ErrorIs(t, err, compute.ErrEnvironment)

	rc = runconfig.New() // system-managed: the test VM has no conda
	_, err = d.Start(ctx, computetest.Job(t, "run_noconda", "pass\n", rc))
	require.Error(t, err)
	assert.ErrorIs(t, err, envbuild.ErrNoConda)
	assert.ErrorIs(t, err, compute.ErrEnvironment)
	assert.NotContains(t, err.Error(), "envbuild")
	assert.Contains(t, err.Error(), "userManagedDependencies")
	log := srv.Exec(t, "cat .azureml/amlgo-test-*/runs/run_noconda/azureml-logs/60_control_log.txt")
	assert.Contains(t, log, "Environment preparation failed")

	rc = runconfig.New() // azureml's default interpreter "python", python3 where there is none
	rc.Environment.Python.UserManagedDependencies = true
	e, err := d.Start(ctx, computetest.Job(t, "run_defaultpython", "import sys\nprint(sys.version_info[0])\n", rc))
	require.NoError(t, err)
	obs, out, _ := computetest.Follow(t, e)
	assert.Equal(t, "Completed", obs.Status)
	assert.Equal(t, "3\n", out)

	rc = runconfig.New()
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BuildContext = "https://example.com/ctx.git"
	_, err = d.Start(ctx, computetest.Job(t, "run_docker", "pass\n", rc))
	assert.ErrorIs(t, err, compute.ErrUnsupported)
	assert.Contains(t, err.Error(), "buildContext is not supported")
}

func TestDSVMCancelLeavesNoProcess(t *testing.T) {
	ctx := context.Background()
	srv, _, d := vmTarget(t)
	script := "import subprocess, time\np = subprocess.Popen(['sleep', '300'])\nprint('up', flush=True)\ntime.sleep(300)\n"
	e, err := d.Start(ctx, computetest.Job(t, "run_cancel_tree", script, nil))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		obs, err := e.Observe(ctx, compute.Cursor{})
		return err == nil && obs.Status == "Running" && len(obs.Logs) > 0
	}, testenv.Patience, 20*time.Millisecond)
	var st struct{ RunDir string }
	require.NoError(t, json.Unmarshal(e.State(), &st))
	pgid := strings.TrimSpace(srv.Exec(t, "cat "+st.RunDir+"/azureml-setup/child_pgid"))
	require.NotEmpty(t, pgid)
	assert.NotEmpty(t, liveProcs(t, srv, pgid, st.RunDir), "the script's processes run")

	require.NoError(t, e.Cancel(ctx))
	obs, _, _ := computetest.Follow(t, e)
	assert.Equal(t, "Canceled", obs.Status)
	assert.Empty(t, liveProcs(t, srv, pgid, st.RunDir), "processes left in the script's group or of the run")
}

// liveProcs lists, over ssh with ps, the live (non-zombie) processes of process group pgid or
// whose command line names runDir.
func liveProcs(t *testing.T, srv *sshtest.Server, pgid, runDir string) string {
	t.Helper()
	// The run directory is passed in two pieces so that this command's own processes do not match.
	cmd := "ps -eo pid=,pgid=,stat=,args= | awk -v g=" + pgid + " -v a=" + filepath.Dir(runDir) +
		" -v b=" + filepath.Base(runDir) + ` '$3 !~ /^Z/ && ($2 == g || index($0, a "/" b))'`
	return strings.TrimSpace(srv.Exec(t, cmd))
}

func TestDSVMReattachFromNewTarget(t *testing.T) {
	ctx := context.Background()
	_, ws, d := vmTarget(t)
	script := "import time\nfor i in range(5):\n    print('line', i, flush=True)\n    time.sleep(0.2)\n"
	e, err := d.Start(ctx, computetest.Job(t, "run_reattach", script, nil))
	require.NoError(t, err)
	state := e.State()
	require.NoError(t, d.Close())

	again, err := compute.Get(ctx, ws, "vm")
	require.NoError(t, err)
	defer again.(*compute.DSVM).Close()
	e2, err := again.(compute.Reattacher).Reattach(ctx, state)
	require.NoError(t, err)
	obs, log, _ := computetest.Follow(t, e2)
	assert.Equal(t, "Completed", obs.Status)
	assert.Equal(t, "line 0\nline 1\nline 2\nline 3\nline 4\n", log)

	_, err = again.(compute.Reattacher).Reattach(ctx, json.RawMessage(`{"target":"other","runDir":"/x"}`))
	assert.Error(t, err)
}

func TestDSVMSnapshotTreeOnVM(t *testing.T) {
	ctx := context.Background()
	_, _, d := vmTarget(t)
	job := computetest.Job(t, "run_tree", "import os\nprint(open('sub/dir/data.txt').read().strip(), os.readlink('link.txt'), oct(os.stat('run.sh').st_mode & 0o777))\n", nil)
	dir := job.Snapshot.Root
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub", "dir"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "dir", "data.txt"), []byte("hello tree\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\n"), 0o750))
	require.NoError(t, os.Symlink("sub/dir/data.txt", filepath.Join(dir, "link.txt")))
	job = retake(t, job)
	e, err := d.Start(ctx, job)
	require.NoError(t, err)
	obs, log, _ := computetest.Follow(t, e)
	assert.Equal(t, "Completed", obs.Status, log)
	assert.Equal(t, "hello tree sub/dir/data.txt 0o750\n", log)
}

func TestDSVMMPI(t *testing.T) {
	if _, err := exec.LookPath("mpirun"); err != nil {
		testenv.SkipOrFail(t, "mpirun not found (apt-get install -y openmpi-bin)")
	}
	ctx := context.Background()
	_, _, d := vmTarget(t)
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	rc.Communicator = "OpenMpi"
	rc.MPI.ProcessCountPerNode = 2
	e, err := d.Start(ctx, computetest.Job(t, "run_mpi", "import os\nprint('rank', os.environ.get('OMPI_COMM_WORLD_RANK'), 'of', os.environ.get('OMPI_COMM_WORLD_SIZE'), os.environ['AZUREML_RUN_ID'])\n", rc))
	require.NoError(t, err)
	obs, _, _ := computetest.Follow(t, e)
	assert.Equal(t, "Completed", obs.Status)
	files := map[string]string{}
	require.NoError(t, e.(compute.OutputCollector).CollectOutputs(ctx, func(name string, r io.Reader) error {
		b, err := io.ReadAll(r)
		files[name] = string(b)
		return err
	}))
	assert.Equal(t, "rank 0 of 2 run_mpi\n", files["azureml-logs/70_driver_log_0.txt"])
	assert.Equal(t, "rank 1 of 2 run_mpi\n", files["azureml-logs/70_driver_log_1.txt"])

	rc.NodeCount = 2
	_, err = d.Start(ctx, computetest.Job(t, "run_mpi2", "pass\n", rc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nodeCount is 2")
}

// retake snapshots the job's source directory again (after the test changed it).
func retake(t *testing.T, job *compute.Job) *compute.Job {
	t.Helper()
	j := *job
	snap, err := snapshotTake(job.Snapshot.Root)
	require.NoError(t, err)
	j.Snapshot = snap
	return &j
}

func snapshotTake(dir string) (*snapshot.Snapshot, error) {
	return snapshot.Take(context.Background(), dir, nil)
}

func TestDSVMMaxRunDuration(t *testing.T) {
	ctx := context.Background()
	_, _, d := vmTarget(t)
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	// The limit leaves the script time to print "up" however slowly python starts on a loaded
	// machine (nothing lets the test hold the clock until then); the script would sleep 600 s.
	limit := 5
	rc.MaxRunDurationSeconds = &limit
	e, err := d.Start(ctx, computetest.Job(t, "run_timeout", "import time\nprint('up', flush=True)\ntime.sleep(600)\n", rc))
	require.NoError(t, err)
	obs, log, _ := computetest.Follow(t, e)
	assert.Equal(t, "Failed", obs.Status)
	assert.Contains(t, obs.Reason, "maximum duration")
	assert.Equal(t, "up\n", log)
}

func TestRemoteAttachConfigHidesSecrets(t *testing.T) {
	c := compute.RemoteAttachConfig{Address: "vm", Username: "u", Password: "pw-secret-1", PrivateKeyPassphrase: "pp-secret-2"}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), string(b)} {
		assert.NotContains(t, s, "pw-secret-1")
		assert.NotContains(t, s, "pp-secret-2")
	}
	assert.Contains(t, c.String(), "password_set=true")
}
