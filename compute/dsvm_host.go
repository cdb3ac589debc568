package compute

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HostReport is what a host check found on a VM target.
type HostReport struct {
	// CheckedAt is when the check ran.
	CheckedAt time.Time `json:"checkedAt"`
	// OS is `uname -s` ("Linux"); Distribution is /etc/os-release's PRETTY_NAME; Kernel and
	// Arch are `uname -r` and `uname -m`.
	OS           string `json:"os"`
	Distribution string `json:"distribution,omitempty"`
	Kernel       string `json:"kernel,omitempty"`
	Arch         string `json:"arch,omitempty"`
	// Home is the login user's home directory.
	Home string `json:"home"`
	// Python3 and Python are the paths of python3 and python on the login PATH ("" = none).
	Python3 string `json:"python3,omitempty"`
	Python  string `json:"python,omitempty"`
	// CondaTool is the first of micromamba, mamba and conda found, at CondaPath.
	CondaTool string `json:"condaTool,omitempty"`
	CondaPath string `json:"condaPath,omitempty"`
	// Docker is the path of the docker client ("" = none).
	Docker string `json:"docker,omitempty"`
	// MPIRun is the path of mpirun and MPIVersion the first line of `mpirun --version`.
	MPIRun     string `json:"mpirun,omitempty"`
	MPIVersion string `json:"mpiVersion,omitempty"`
	// CPUs is the number of online processors.
	CPUs int `json:"cpus,omitempty"`
	// FreeDiskBytes is the space available to the user in the home directory's file system.
	FreeDiskBytes int64 `json:"freeDiskBytes,omitempty"`
}

// String summarizes the report on one line.
func (h HostReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", h.OS)
	if h.Distribution != "" {
		fmt.Fprintf(&b, " (%s)", h.Distribution)
	}
	py := h.Python3
	if py == "" {
		py = h.Python
	}
	if py == "" {
		py = "none"
	}
	conda := h.CondaTool
	if conda == "" {
		conda = "none"
	}
	docker := "no"
	if h.Docker != "" {
		docker = "yes"
	}
	mpi := "no"
	if h.MPIRun != "" {
		mpi = "yes"
	}
	fmt.Fprintf(&b, ", python %s, conda %s, docker %s, mpi %s, %d cpus, %.1f GiB free",
		py, conda, docker, mpi, h.CPUs, float64(h.FreeDiskBytes)/(1<<30))
	return b.String()
}

// remotePathSetup extends the login PATH of a non-interactive SSH session with the places conda
// installers and pip --user put their tools, so that amlgo finds what an interactive login
// would.
const remotePathSetup = `PATH="$HOME/.local/bin:$HOME/bin:$PATH:$HOME/micromamba/bin:$HOME/.local/share/mamba/bin:$HOME/miniforge3/bin:$HOME/mambaforge/bin:$HOME/miniconda3/bin:$HOME/anaconda3/bin:/opt/conda/bin:/anaconda/bin"; export PATH
`

// hostCheckScript prints key=value lines describing the host.
const hostCheckScript = remotePathSetup + `
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

// checkHost runs the host check on the VM and records the result.
func (d *DSVM) checkHost(ctx context.Context) (*HostReport, error) {
	out, err := d.remote.output(ctx, "sh -c "+shQuote(hostCheckScript), nil)
	if err != nil {
		return nil, err
	}
	rep := parseHostReport(out)
	rep.CheckedAt = time.Now().UTC()
	d.mu.Lock()
	d.host = rep
	d.mu.Unlock()
	if rep.Home != "" {
		d.remote.setHome(rep.Home)
	}
	return rep, nil
}

func parseHostReport(out []byte) *HostReport {
	rep := &HostReport{}
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
