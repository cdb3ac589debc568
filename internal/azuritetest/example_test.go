package azuritetest_test

import (
	"testing"
	"time"

	"github.com/amlgo/amlgo/internal/azuritetest"
)

// A test gets its own emulator and a container URL with a SAS, as Azure ML's startPendingUpload
// hands one out.
func ExampleStart() {
	t := &testing.T{} // in a test: the test's t
	_ = func() {
		a := azuritetest.Start(t)
		sasURL := a.ContainerSAS(t, "code", time.Hour)
		_ = sasURL // upload with container.NewClientWithNoCredential(sasURL, nil)
	}
}
