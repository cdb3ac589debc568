package experiment

// SetAfterExecCancel sets the hook Cancel runs once the execution is told to stop and before
// CancelRequested is recorded; the returned func removes it.
func SetAfterExecCancel(f func(runID string)) (restore func()) {
	afterExecCancel = f
	return func() { afterExecCancel = nil }
}
