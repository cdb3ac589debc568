package hyperdrive

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
)

// TestSweepOverLocalAndAVM spreads one sweep's children over the local target and a VM (a
// real loopback sshd, where the runs execute as another user): both run children, each child
// runs where its record says, and the sweep's results span both.
func TestSweepOverLocalAndAVM(t *testing.T) {
	ctx := testContext(t)
	srv := sshtest.Start(t)
	ws := openWorkspace(t, filepath.Join(t.TempDir(), "ws"))
	_, err := compute.AttachRemote(ctx, ws, "vm", &compute.RemoteAttachConfig{
		Address: srv.Host, SSHPort: srv.Port, Username: srv.User,
		PrivateKeyFile: srv.KeyFile, KnownHostsFile: srv.KnownHostsFile,
	})
	require.NoError(t, err)
	remoteDir := ".azureml/amlgo-hyperdrive-test-" + strconv.Itoa(os.Getpid())
	vm, err := compute.GetDSVM(ctx, ws, "vm", &compute.DSVMOptions{RemoteDir: remoteDir, CancelGracePeriod: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { _ = vm.Close(); srv.Exec(t, "rm -rf "+remoteDir) })

	exp, err := experiment.New(ws, "two-targets")
	require.NoError(t, err)
	src := writeSource(t, map[string]string{"train.py": `import argparse, getpass
from azureml.core import Run
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int)
p.add_argument("--lr", type=float)
p.add_argument("--units", type=int)
a = p.parse_args()
print("user", getpass.getuser(), flush=True)
Run.get_context().log("accuracy", a.lr * a.units)
`})
	cfg := sweepConfig(src, "python3", 6, 4) // python3 from PATH: the same configuration on both
	cfg.Targets = []string{"local", "vm"}
	hd, err := Submit(ctx, exp, cfg, &SubmitOptions{Targets: []compute.ComputeTarget{fastLocal(t, ws), vm}})
	require.NoError(t, err)
	details, err := hd.WaitForCompletion(ctx, nil)
	require.NoError(t, err, childrenReport(hd))
	assert.Equal(t, experiment.StatusCompleted, details.Status)

	users := map[string]string{"local": currentUser(t), "vm": srv.User}
	perTarget := map[string]int{}
	for c, err := range hd.Run.Children(ctx) {
		require.NoError(t, err)
		perTarget[c.Target()]++
		var logs strings.Builder
		require.NoError(t, c.Logs(ctx, &logs, nil))
		assert.Contains(t, logs.String(), "user "+users[c.Target()]+"\n", "child %s ran on %s", c.ID(), c.Target())
		st, err := c.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, experiment.StatusCompleted, st, c.ID())
	}
	assert.Equal(t, 6, perTarget["local"]+perTarget["vm"])
	assert.GreaterOrEqual(t, perTarget["local"], 2, "%v", perTarget)
	assert.GreaterOrEqual(t, perTarget["vm"], 2, "%v", perTarget)
	sorted, err := hd.ChildrenSortedByPrimaryMetric(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, sorted, 6)
}

func currentUser(t *testing.T) string {
	u, err := user.Current()
	require.NoError(t, err)
	return u.Username
}
