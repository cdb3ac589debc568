// Command hyperdrive-with-sklearn tunes a scikit-learn model's hyperparameters with a
// HyperDrive sweep on the local machine, the Go mirror of azureml's "train hyperparameter tune
// deploy with sklearn" notebook: it samples the regularization strength and the learning rate
// of an SGD logistic regression on the bundled digits dataset at random, lets a Bandit policy
// cancel runs that fall behind, prints the children sorted by accuracy and the best run, and
// registers the best run's model.
//
//	go run ./examples/hyperdrive-with-sklearn
//
// It needs Go and a python3 with scikit-learn (Debian: apt-get install python3-sklearn); the
// run context the script uses is amlgo's. The sweep is resumable: if the program is killed,
// run it again with -resume <HD_ run id> to finish the same sweep.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"text/tabwriter"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/experiment/hyperdrive"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

func main() {
	wsDir := flag.String("workspace", ".amlgo", "directory of the local workspace")
	scripts := flag.String("scripts", defaultScripts(), "directory holding train.py")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with scikit-learn")
	runs := flag.Int("runs", 8, "child runs of the sweep (max_total_runs)")
	concurrent := flag.Int("concurrent", 2, "child runs at once (max_concurrent_runs)")
	resume := flag.String("resume", "", "id of a sweep to resume instead of starting one")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *wsDir, *scripts, *python, *runs, *concurrent, *resume); err != nil {
		fmt.Fprintln(os.Stderr, "hyperdrive-with-sklearn:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, wsDir, scripts, python string, runs, concurrent int, resume string) error {
	ws, err := workspace.Open(wsDir, nil)
	if err != nil {
		return err
	}
	defer ws.Close()

	var hd *hyperdrive.HyperDriveRun
	if resume != "" {
		if hd, err = hyperdrive.GetRun(ctx, ws, resume); err != nil {
			return err
		}
	} else if hd, err = submit(ctx, ws, scripts, python, runs, concurrent); err != nil {
		return err
	}
	if _, err := hd.WaitForCompletion(ctx, &hyperdrive.WaitOptions{ShowOutput: os.Stdout}); err != nil {
		return err
	}

	children, err := hd.ChildrenSortedByPrimaryMetric(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Println("Children sorted by accuracy (best first):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tSTATUS\tBEST ACCURACY\tHYPERPARAMETERS")
	for _, c := range children {
		acc := "-"
		if c.BestPrimaryMetric != nil {
			acc = fmt.Sprintf("%.4f", *c.BestPrimaryMetric)
		}
		hp, _ := json.Marshal(c.Hyperparameters)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.RunID, c.Status, acc, hp)
	}
	tw.Flush()

	best, err := hd.BestRunByPrimaryMetric(ctx, &hyperdrive.BestRunOptions{ExcludeCanceled: true, ExcludeFailed: true})
	if err != nil {
		return err
	}
	hps, err := hd.Hyperparameters(ctx)
	if err != nil {
		return err
	}
	metrics, err := best.Metrics(ctx)
	if err != nil {
		return err
	}
	hp, _ := json.Marshal(hps[best.ID()])
	fmt.Printf("\nBest run: %s %s, accuracy by epoch %v\n", best.ID(), hp, metrics["accuracy"])

	tags := map[string]string{"sweep": hd.ID()}
	for k, v := range hps[best.ID()] {
		tags[k] = fmt.Sprint(v)
	}
	model, err := best.RegisterModel(ctx, "sklearn-digits", &experiment.RegisterModelOptions{
		ModelPath:      "outputs/model.pkl",
		Tags:           tags,
		Description:    "SGD logistic regression on digits, best of a HyperDrive sweep",
		ModelFramework: "ScikitLearn",
	})
	if err != nil {
		return err
	}
	fmt.Printf("Registered model %s from run %s (files: %v)\n", model.ID(), model.RunID, model.Files)
	return nil
}

// submit starts the sweep.
func submit(ctx context.Context, ws *workspace.Workspace, scripts, python string, runs, concurrent int) (*hyperdrive.HyperDriveRun, error) {
	exp, err := experiment.New(ws, "hyperdrive-with-sklearn")
	if err != nil {
		return nil, err
	}
	// The machine's Python with Debian's scikit-learn, as is (user-managed dependencies).
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python

	sampling, err := hyperdrive.RandomParameterSampling(map[string]hyperdrive.ParameterExpression{
		"alpha": hyperdrive.Choice(0.00001, 0.0001, 0.001, 0.01, 0.1),
		"eta0":  hyperdrive.Choice(0.0001, 0.001, 0.01, 0.1, 1.0),
	}, nil)
	if err != nil {
		return nil, err
	}
	// Cancel a run whose best accuracy so far is more than 10 % below the best run's at the
	// same epoch, checked every epoch from the third on.
	policy, err := hyperdrive.BanditPolicy(&hyperdrive.BanditOptions{EvaluationInterval: 1, SlackFactor: 0.1, DelayEvaluation: 3})
	if err != nil {
		return nil, err
	}
	return hyperdrive.Submit(ctx, exp, hyperdrive.Config{
		RunConfig: &runconfig.ScriptRunConfig{
			SourceDirectory: scripts, Script: "train.py",
			Arguments: []any{"--epochs", 10}, RunConfig: rc,
		},
		HyperparameterSampling: sampling,
		Policy:                 policy,
		PrimaryMetricName:      "accuracy",
		PrimaryMetricGoal:      hyperdrive.Maximize,
		MaxTotalRuns:           runs,
		MaxConcurrentRuns:      concurrent,
	}, &hyperdrive.SubmitOptions{OnWarning: func(w string) { fmt.Fprintln(os.Stderr, "warning:", w) }})
}

// defaultScripts finds scripts/ next to this file whether the program runs from the repository
// root or from its own directory.
func defaultScripts() string {
	for _, dir := range []string{"examples/hyperdrive-with-sklearn/scripts", "scripts"} {
		if _, err := os.Stat(filepath.Join(dir, "train.py")); err == nil {
			return dir
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "scripts")
	}
	return "scripts"
}
