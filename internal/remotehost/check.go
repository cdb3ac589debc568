package remotehost

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"
)

// Report is what a host check found on a VM (compute.HostReport converts from it).
type Report struct {
	// CheckedAt is when the check ran.
	CheckedAt time.Time
	// OS is `uname -s` ("Linux"); Distribution is /etc/os-release's PRETTY_NAME; Kernel and
	// Arch are `uname -r` and `uname -m`.
	OS           string
	Distribution string
	Kernel       string
	Arch         string
	// Home is the login user's home directory.
	Home string
	// Python3 and Python are the paths of python3 and python on the login PATH ("" = none).
	Python3 string
	Python  string
	// CondaTool is the first of micromamba, mamba and conda found, at CondaPath.
	CondaTool string
	CondaPath string
	// Docker is the path of the docker client ("" = none).
	Docker string
	// MPIRun is the path of mpirun and MPIVersion the first line of `mpirun --version`.
	MPIRun     string
	MPIVersion string
	// CPUs is the number of online processors.
	CPUs int
	// FreeDiskBytes is the space available to the user in the home directory's file system.
	FreeDiskBytes int64
}

// PathSetup extends the login PATH of a non-interactive SSH session with the places conda
// installers and pip --user put their tools, so that amlgo finds what an interactive login
// would.
const PathSetup = `PATH="$HOME/.local/bin:$HOME/bin:$PATH:$HOME/micromamba/bin:$HOME/.local/share/mamba/bin:$HOME/miniforge3/bin:$HOME/mambaforge/bin:$HOME/miniconda3/bin:$HOME/anaconda3/bin:/opt/conda/bin:/anaconda/bin"; export PATH
`

// hostCheckScript prints key=value lines describing the host.
const hostCheckScript = PathSetup + `
echo "os=$(uname -s)"
echo "kernel=$(uname -r)"
echo "arch=$(uname -m)"
if [ -r /etc/os-release ]; then (. /etc/os-release; echo "distro=$PRETTY_NAME"); fi
echo "home=$HOME"
echo "python3=$(command -v python3)"
echo "python=$(command -v python)"
for t in micromamba mamba conda; do
  if p=$(command -v "$t"); then echo "condatool=$t"; echo "condapath=$p"; break; fi
done
echo "docker=$(command -v docker)"
if p=$(command -v mpirun); then echo "mpirun=$p"; echo "mpiversion=$(mpirun --version 2>&1 | head -n 1)"; fi
echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null)"
df -Pk "$HOME" 2>/dev/null | awk 'NR==2 {print "freekb=" $4}'
`

// Check runs the host check on the VM; the home directory it reports becomes the Host's.
func (h *Host) Check(ctx context.Context) (*Report, error) {
	out, err := h.Output(ctx, "sh -c "+shQuote(hostCheckScript), nil)
	if err != nil {
		return nil, err
	}
	rep := ParseReport(out)
	rep.CheckedAt = time.Now().UTC()
	if rep.Home != "" {
		h.SetHome(rep.Home)
	}
	return rep, nil
}

// ParseReport reads the host check script's key=value output.
func ParseReport(out []byte) *Report {
	rep := &Report{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "os":
			rep.OS = v
		case "kernel":
			rep.Kernel = v
		case "arch":
			rep.Arch = v
		case "distro":
			rep.Distribution = v
		case "home":
			rep.Home = v
		case "python3":
			rep.Python3 = v
		case "python":
			rep.Python = v
		case "condatool":
			rep.CondaTool = v
		case "condapath":
			rep.CondaPath = v
		case "docker":
			rep.Docker = v
		case "mpirun":
			rep.MPIRun = v
		case "mpiversion":
			rep.MPIVersion = v
		case "cpus":
			rep.CPUs, _ = strconv.Atoi(v)
		case "freekb":
			kb, _ := strconv.ParseInt(v, 10, 64)
			rep.FreeDiskBytes = kb * 1024
		}
	}
	return rep
}
