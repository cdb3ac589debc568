package experiment

// SetAfterExecCancel sets the hook Cancel runs once the execution is told to stop and before
// CancelRequested is recorded; the returned func removes it.
func SetAfterExecCancel(f func(runID string)) (restore func()) {
	afterExecCancel = f
	return func() { afterExecCancel = nil }
}

// SetAfterRecord sets the hook Submit runs once the run is recorded and before it is
// prepared; the returned func removes it.
func SetAfterRecord(f func(runID string)) (restore func()) {
	afterRecord = f
	return func() { afterRecord = nil }
}
