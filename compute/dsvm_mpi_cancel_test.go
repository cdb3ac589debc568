package compute_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute/computetest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
)

// TestDSVMMPICancel cancels an MPI run: every rank goes, not only mpirun.
func TestDSVMMPICancel(t *testing.T) {
	if _, err := exec.LookPath("mpirun"); err != nil {
		testenv.SkipOrFail(t, "mpirun not found (apt-get install -y openmpi-bin)")
	}
	ctx := context.Background()
	srv, _, d := vmTarget(t)
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	rc.Communicator = "Mpi"
	rc.MPI.ProcessCountPerNode = 2
	// The ranks ignore SIGTERM: only the SIGKILL to the script's process group stops them.
	e, err := d.Start(ctx, computetest.Job(t, "run_mpi_cancel", "import signal, time, sys\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('up', flush=True)\ntime.sleep(300)", rc))
	require.NoError(t, err)
	var st struct{ RunDir string }
	require.NoError(t, json.Unmarshal(e.State(), &st))
	t.Cleanup(func() { _ = e.Cancel(ctx) })
	// Find the ranks by working directory (wherever their process group is).
	ranks := func() string {
		return strings.TrimSpace(srv.Exec(t, `ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/ && $3 ~ /python/ && $4 == "s.py" {print $1}' |
while read p; do [ "$(readlink /proc/$p/cwd)" = `+st.RunDir+`/wd ] && echo "$p"; done; true`))
	}
	require.Eventually(t, func() bool { return strings.Count(ranks(), "\n") == 1 }, testenv.Patience, 50*time.Millisecond, "two ranks run")
	require.NoError(t, e.Cancel(ctx))
	obs, _, _ := computetest.Follow(t, e)
	assert.Equal(t, "Canceled", obs.Status)
	assert.Empty(t, ranks(), "ranks left after cancel")
}
