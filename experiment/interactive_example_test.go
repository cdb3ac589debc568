package experiment_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/workspace"
)

// An interactive run that the program drives itself (azureml's start_logging): tagged, canceled
// by someone (a request), and ended by the program.
func ExampleExperiment_StartRun() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "amlgo-example-")
	defer os.RemoveAll(dir)
	ws, err := workspace.Open(filepath.Join(dir, "ws"), nil)
	if err != nil {
		panic(err)
	}
	defer ws.Close()
	exp, _ := experiment.New(ws, "interactive")
	run, err := exp.StartRun(ctx, &experiment.StartRunOptions{RunID: "driver_1", RunType: "my-driver", Tags: map[string]string{"stage": "tuning"}})
	if err != nil {
		panic(err)
	}
	st, _ := run.Status(ctx)
	fmt.Println(run.ID(), run.Type(), st)
	_ = run.Cancel(ctx)
	st, _ = run.Status(ctx)
	fmt.Println(st)
	_ = run.End(ctx, experiment.StatusCanceled, "Stopped on request.")
	st, _ = run.Status(ctx)
	fmt.Println(st)
	// Output:
	// driver_1 my-driver Running
	// CancelRequested
	// Canceled
}
