package driver

import (
	"path"
	"path/filepath"
)

// Slash-separated paths of the run-directory entries, relative to the run directory.
const (
	RelWorkDir    = "wd"
	RelOutputsDir = "wd/outputs"
	RelLogsDir    = "wd/logs"
	RelSetupDir   = "azureml-setup"
	RelWrapper    = "azureml-setup/driver.sh"
	RelShimDir    = "azureml-setup/shim"
	RelPID        = "azureml-setup/pid"
	RelChildPGID  = "azureml-setup/child_pgid"
	RelStartedAt  = "azureml-setup/started_at"
	RelEndedAt    = "azureml-setup/ended_at"
	RelExitCode   = "azureml-setup/exit_code"
	RelReason     = "azureml-setup/reason"
	RelKillFile   = "azureml-setup/killfile"
	RelAzureLogs  = "azureml-logs"
	RelControlLog = "azureml-logs/60_control_log.txt"
	RelDriverLog  = "azureml-logs/70_driver_log.txt"
	RelMetrics    = "metrics.jsonl"
	RelUploadsDir = "uploads"
)

// Paths holds every path of the run-directory contract for one run directory.
type Paths struct {
	RunDir     string // the run directory itself
	WorkDir    string // wd: the restored snapshot, cwd of the script
	OutputsDir string // wd/outputs: collected into run artifacts at the end
	LogsDir    string // wd/logs: the script's own log directory
	SetupDir   string // azureml-setup
	Wrapper    string // azureml-setup/driver.sh
	ShimDir    string // azureml-setup/shim: goes on PYTHONPATH
	PID        string // azureml-setup/pid: the wrapper's pid
	ChildPGID  string // azureml-setup/child_pgid: the script's process group id
	StartedAt  string // azureml-setup/started_at: RFC3339Nano UTC
	EndedAt    string // azureml-setup/ended_at: RFC3339Nano UTC
	ExitCode   string // azureml-setup/exit_code: decimal, written last
	Reason     string // azureml-setup/reason: "canceled" or "timeout", when the wrapper killed the script
	KillFile   string // azureml-setup/killfile: created by the SDK to cancel
	AzureLogs  string // azureml-logs
	ControlLog string // azureml-logs/60_control_log.txt: environment preparation
	DriverLog  string // azureml-logs/70_driver_log.txt: the script's stdout+stderr
	Metrics    string // metrics.jsonl: records appended by the shim
	UploadsDir string // uploads: files copied in by the shim
}

// Layout returns the paths of the run directory rundir, joined with the local OS separator.
func Layout(rundir string) Paths {
	return layout(rundir, func(rel string) string { return filepath.Join(rundir, filepath.FromSlash(rel)) })
}

// SlashLayout is Layout with forward slashes whatever the local OS: for run directories on a
// remote POSIX host (SFTP, ssh).
func SlashLayout(rundir string) Paths {
	return layout(rundir, func(rel string) string { return path.Join(rundir, rel) })
}

func layout(rundir string, join func(string) string) Paths {
	return Paths{
		RunDir:     rundir,
		WorkDir:    join(RelWorkDir),
		OutputsDir: join(RelOutputsDir),
		LogsDir:    join(RelLogsDir),
		SetupDir:   join(RelSetupDir),
		Wrapper:    join(RelWrapper),
		ShimDir:    join(RelShimDir),
		PID:        join(RelPID),
		ChildPGID:  join(RelChildPGID),
		StartedAt:  join(RelStartedAt),
		EndedAt:    join(RelEndedAt),
		ExitCode:   join(RelExitCode),
		Reason:     join(RelReason),
		KillFile:   join(RelKillFile),
		AzureLogs:  join(RelAzureLogs),
		ControlLog: join(RelControlLog),
		DriverLog:  join(RelDriverLog),
		Metrics:    join(RelMetrics),
		UploadsDir: join(RelUploadsDir),
	}
}
