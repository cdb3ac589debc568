package localexec_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/localexec"
	"github.com/amlgo/amlgo/internal/rundir"
)

// Start launches a command under the driver wrapper, detached; observing the run directory
// from the returned cursors streams its output until it ends.
func ExampleStart() {
	dir, _ := os.MkdirTemp("", "localexec-example")
	defer os.RemoveAll(dir)
	paths := driver.Layout(filepath.Join(dir, "run"))
	for _, d := range []string{paths.SetupDir, paths.AzureLogs, paths.WorkDir} {
		_ = os.MkdirAll(d, 0o700)
	}
	_ = driver.WriteWrapper(paths.Wrapper)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ex, err := localexec.Start(ctx, localexec.Launch{
		RunDir:  paths.RunDir,
		Command: paths.Command([]string{"echo", "hello from the script"}, nil),
		Env:     os.Environ(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var cur rundir.Cursor
	for {
		obs, err := ex.Observe(ctx, cur)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, c := range obs.Logs {
			if c.Name == driver.RelDriverLog {
				fmt.Print(string(c.Data))
			}
		}
		cur = obs.Next
		if obs.ExitCode != nil {
			fmt.Println(obs.Status, *obs.ExitCode)
			return
		}
		time.Sleep(obs.PollAfter) // the observer's suggested interval, not a wait for an event
	}
	// Output:
	// hello from the script
	// Completed 0
}
