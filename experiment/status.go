package experiment

// Status is a run status, with azureml-core's names. Unknown values from a service are kept and
// count as running.
type Status string

// Run statuses, in azureml-core's transition order.
const (
	StatusNotStarted      Status = "NotStarted"
	StatusQueued          Status = "Queued"
	StatusPreparing       Status = "Preparing"
	StatusProvisioning    Status = "Provisioning"
	StatusStarting        Status = "Starting"
	StatusRunning         Status = "Running"
	StatusCancelRequested Status = "CancelRequested"
	StatusCanceled        Status = "Canceled"
	StatusFinalizing      Status = "Finalizing"
	StatusCompleted       Status = "Completed"
	StatusFailed          Status = "Failed"
	StatusUnapproved      Status = "Unapproved"
	StatusNotResponding   Status = "NotResponding"
	StatusPausing         Status = "Pausing"
	StatusPaused          Status = "Paused"
)

// Terminal reports whether s is final: Completed, Failed or Canceled.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCanceled
}

// PostProcessing reports whether s is CancelRequested or Finalizing.
func (s Status) PostProcessing() bool {
	return s == StatusCancelRequested || s == StatusFinalizing
}

// Running reports whether s is neither terminal nor post-processing (unknown statuses included).
func (s Status) Running() bool { return !s.Terminal() && !s.PostProcessing() }

// String returns the status name.
func (s Status) String() string { return string(s) }
