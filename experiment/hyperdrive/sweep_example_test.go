package hyperdrive_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/experiment/hyperdrive"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// Validate reports azureml's HyperDriveConfigException messages, in azureml's order.
func ExampleConfig_Validate() {
	sampling, _ := hyperdrive.RandomParameterSampling(map[string]hyperdrive.ParameterExpression{
		"lr": hyperdrive.Choice(0.01, 0.1),
	}, nil)
	cfg := hyperdrive.Config{
		RunConfig:              &runconfig.ScriptRunConfig{SourceDirectory: ".", Script: "train.py"},
		HyperparameterSampling: sampling,
		PrimaryMetricName:      "accuracy",
		PrimaryMetricGoal:      hyperdrive.Maximize,
		MaxTotalRuns:           2000,
	}
	fmt.Println(cfg.Validate())
	cfg.MaxTotalRuns, cfg.MaxConcurrentRuns = 20, 4
	fmt.Println(cfg.Validate())
	// Output:
	// hyperdrive: invalid HyperDriveConfig: Parameter 'max_total_jobs' must be equal to or less than 1000.
	// <nil>
}

// A sweep on the local target: submit, wait (streaming the sweep's log), then read the best
// child. If this program is killed mid-sweep, hyperdrive.GetRun(ctx, ws, id) and
// WaitForCompletion in a new process finish the same sweep.
func ExampleSubmit() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "amlgo-example-")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "train.py"), []byte(`import argparse
from azureml.core import Run
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float)
Run.get_context().log("accuracy", 1 - abs(p.parse_args().lr - 0.1))
`), 0o644)
	ws, err := workspace.Open(filepath.Join(dir, "ws"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	exp, _ := experiment.New(ws, "example-sweep")
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	sampling, _ := hyperdrive.RandomParameterSampling(map[string]hyperdrive.ParameterExpression{
		"lr": hyperdrive.Choice(0.01, 0.1, 0.5),
	}, nil)
	hd, err := hyperdrive.Submit(ctx, exp, hyperdrive.Config{
		RunConfig:              &runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: rc},
		HyperparameterSampling: sampling,
		PrimaryMetricName:      "accuracy",
		PrimaryMetricGoal:      hyperdrive.Maximize,
		MaxTotalRuns:           3,
		MaxConcurrentRuns:      2,
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := hd.WaitForCompletion(ctx, nil); err != nil {
		fmt.Println(err)
		return
	}
	best, _ := hd.BestRunByPrimaryMetric(ctx, nil)
	hps, _ := hd.Hyperparameters(ctx)
	fmt.Println("best lr:", hps[best.ID()]["lr"])
	// Output: best lr: 0.1
}
