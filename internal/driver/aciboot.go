package driver

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// ContainerBootstrap is the Python program (standard library only) that runs a job in a
// container sharing no file system with the SDK (Azure Container Instances): it restores the
// run directory from blob storage, runs the wrapper, and writes the run's files back to blobs as
// they grow. Its input is a BootPlan in the environment variable BootPlanVar.
//
//go:embed aciboot.py
var ContainerBootstrap string

// BootPlanVar is the environment variable that carries a BootPlan (as a secure value: it holds
// SAS tokens). The bootstrap removes it, and BootSourceVar, before the script starts.
const (
	BootPlanVar   = "AMLGO_ACI_PLAN"
	BootSourceVar = "AMLGO_ACI_BOOT"
)

// BootFiles are the run files the bootstrap writes to blobs: the logs and metric records as
// append blobs, the state files as block blobs, exit_code last.
var BootFiles = []string{RelControlLog, RelDriverLog, RelMetrics, RelStartedAt, RelEndedAt, RelReason, RelExitCode}

// BootPlan is the bootstrap's input.
type BootPlan struct {
	// Snapshot is the snapshot container's URL with a read-only SAS.
	Snapshot string `json:"snapshot"`
	// Manifest is the run manifest's blob name in that container.
	Manifest string `json:"manifest"`
	// Files maps each of BootFiles to its blob's URL with a SAS that may create, write and
	// append to (and read) that blob only.
	Files map[string]string `json:"files"`
	// Kill is the kill blob's URL with a read SAS: once it exists the run is canceled.
	Kill string `json:"kill"`
	// Outputs is the outputs tar's blob URL with a write SAS.
	Outputs string `json:"outputs"`
	// Interval is the seconds between two syncs of the logs (0 = 1).
	Interval float64 `json:"interval,omitempty"`
}

// BootManifest is the run manifest the bootstrap restores: every file of the run directory (the
// snapshot under wd/, the wrapper, the shim) by content, and the wrapper's command.
type BootManifest struct {
	Files   []BootFile `json:"files"`
	Command []string   `json:"command"`
}

// BootFile is one entry of a BootManifest: a directory, a symbolic link, or a regular file whose
// content is the blob files/<SHA256> of the snapshot container.
type BootFile struct {
	Path    string `json:"path"`
	Dir     bool   `json:"dir,omitempty"`
	Symlink string `json:"symlink,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	Mode    uint32 `json:"mode,omitempty"`
}

// MarshalPlan renders p as the value of BootPlanVar.
func (p BootPlan) MarshalPlan() (string, error) {
	b, err := json.Marshal(p)
	return string(b), err
}

// String describes p without its SAS tokens.
func (p BootPlan) String() string {
	return fmt.Sprintf("driver.BootPlan{Manifest:%q, Files:%d, SAS:***}", p.Manifest, len(p.Files))
}

// GoString is String, so that %#v shows no token either.
func (p BootPlan) GoString() string { return p.String() }
