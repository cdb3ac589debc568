package compute

import (
	"context"
	"fmt"
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

// checkHost runs the host check on the VM and records the result.
func (d *DSVM) checkHost(ctx context.Context) (*HostReport, error) {
	r, err := d.remote.Check(ctx)
	if err != nil {
		return nil, err
	}
	rep := HostReport(*r)
	d.mu.Lock()
	d.host = &rep
	d.mu.Unlock()
	return &rep, nil
}
