package testenv_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/testenv"
)

// A Watch collects output and tells when a text has appeared, so a test waits on the event.
func ExampleWatch() {
	w := &testenv.Watch{}
	seen := w.Seen("ready\n")
	fmt.Fprintln(w, "starting")
	fmt.Fprintln(w, "ready")
	<-seen
	fmt.Print(w.String())
	// Output:
	// starting
	// ready
}
