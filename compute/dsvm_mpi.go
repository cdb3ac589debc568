package compute

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/amlgo/amlgo/runconfig"
)

// rankRedirect runs a rank's command ("$@") with its stdout and stderr appended to
// azureml-logs/70_driver_log_<rank>.txt, the rank taken from Open MPI's, MPICH's / Intel MPI's
// or PMIx's environment.
const rankRedirect = `r=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-${PMIX_RANK:-0}}}; exec "$@" >>"$AMLGO_RUN_DIR/azureml-logs/70_driver_log_$r.txt" 2>&1`

// rankRegroup moves a rank back into its launcher's (mpirun's) process group before it execs
// the rank's command: Open MPI starts every rank in a process group of its own, which the
// driver's process-group cancel would miss; in mpirun's group a cancel stops every rank even if
// one ignores SIGTERM. It runs under the VM's python3 and is best effort (a failure to move
// leaves the rank where it is).
const rankRegroup = `import os, sys
try:
    os.setpgid(0, os.getpgid(os.getppid()))
except OSError:
    pass
os.execvp(sys.argv[1], sys.argv[1:])`

// isMPI reports whether the run configuration's communicator asks for MPI.
func isMPI(rc *runconfig.RunConfiguration) bool {
	switch strings.ToLower(rc.Communicator) {
	case "mpi", "openmpi", "intelmpi":
		return true
	}
	return false
}

// checkSingleNode rejects multi-node jobs: a VM target is one node.
func checkSingleNode(rc *runconfig.RunConfiguration, target string) error {
	nodes := rc.NodeCount
	if isMPI(rc) && rc.MPI.NodeCount > nodes {
		nodes = rc.MPI.NodeCount
	}
	if nodes > 1 {
		return fmt.Errorf("compute: nodeCount is %d but VM target %q is a single node; run multi-node jobs on an AmlCompute cluster, or set nodeCount to 1", nodes, target)
	}
	return nil
}

// mpiCommand wraps argv in `mpirun -np N` for an MPI run on one VM, each rank's output going to
// its own azureml-logs/70_driver_log_<rank>.txt. Open MPI gets --oversubscribe when N exceeds
// the VM's processors and --allow-run-as-root when the login user is root.
func mpiCommand(rc *runconfig.RunConfiguration, argv []string, host *HostReport, user string) ([]string, error) {
	n := rc.MPI.ProcessCountPerNode
	if n <= 0 {
		n = 1
	}
	if host != nil && host.MPIRun == "" {
		return nil, fmt.Errorf("compute: communicator %s needs mpirun, which is not on the VM's PATH (install Open MPI, e.g. apt-get install openmpi-bin)", rc.Communicator)
	}
	out := []string{"mpirun", "-np", strconv.Itoa(n)}
	openMPI := host == nil || host.MPIVersion == "" || strings.Contains(host.MPIVersion, "Open MPI") || strings.Contains(host.MPIVersion, "OpenRTE")
	if openMPI {
		if host == nil || host.CPUs == 0 || n > host.CPUs {
			out = append(out, "--oversubscribe")
		}
		if user == "root" {
			out = append(out, "--allow-run-as-root")
		}
	}
	out = append(out, "sh", "-c", rankRedirect, "amlgo-rank")
	if host != nil && host.Python3 != "" {
		out = append(out, host.Python3, "-c", rankRegroup)
	}
	return append(out, argv...), nil
}
