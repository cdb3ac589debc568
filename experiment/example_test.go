package experiment_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// Submitting a script to the local target and waiting for it, as azureml-core's
// train-on-local notebook does.
func ExampleExperiment_Submit() {
	ctx := context.Background()
	ws, err := workspace.Open(".amlgo", nil)
	if err != nil {
		panic(err)
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "train-on-local")
	if err != nil {
		panic(err)
	}
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	src := runconfig.ScriptRunConfig{SourceDirectory: "./scripts", Script: "train.py",
		Arguments: []any{"--alpha", 0.5}, RunConfig: rc}
	run, err := exp.Submit(ctx, src, nil)
	if err != nil {
		panic(err)
	}
	if _, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: os.Stdout}); err != nil {
		panic(err)
	}
	metrics, _ := run.Metrics(ctx)
	fmt.Println(metrics["mse"])
	_ = run.DownloadFile(ctx, "outputs/model.json", "model.json")
}

// Experiment names follow azureml-core's rule.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "amlgo-example-")
	defer os.RemoveAll(dir)
	ws, _ := workspace.Open(filepath.Join(dir, "ws"), nil)
	defer ws.Close()

	exp, err := experiment.New(ws, "sklearn-diabetes")
	fmt.Println(exp.Name(), err)
	_, err = experiment.New(ws, "-not valid")
	fmt.Println(errors.Is(err, experiment.ErrInvalidName))
	// Output:
	// sklearn-diabetes <nil>
	// true
}

// Run statuses are azureml-core's; unknown ones count as running.
func ExampleStatus() {
	for _, s := range []experiment.Status{experiment.StatusRunning, experiment.StatusFinalizing, experiment.StatusCompleted, "SomethingNew"} {
		fmt.Println(s, s.Running(), s.Terminal())
	}
	// Output:
	// Running true false
	// Finalizing false false
	// Completed false true
	// SomethingNew true false
}
