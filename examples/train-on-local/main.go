// Command train-on-local trains a ridge regression script on the local machine with amlgo, the
// Go mirror of azureml-core's "train on local" notebook: it opens an embedded workspace, submits
// scripts/train.py once per regularization strength, streams each run's log, prints every
// run's metrics, and registers the best run's model.
//
//	go run ./examples/train-on-local
//
// It needs Go and python3; the script uses only Python's standard library and azureml's run
// context, which amlgo provides.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"text/tabwriter"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

func main() {
	wsDir := flag.String("workspace", ".amlgo", "directory of the local workspace")
	scripts := flag.String("scripts", defaultScripts(), "directory holding train.py")
	python := flag.String("python", "python3", "Python interpreter for the runs")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *wsDir, *scripts, *python); err != nil {
		fmt.Fprintln(os.Stderr, "train-on-local:", err)
		os.Exit(1)
	}
}

// result is one finished run and the metrics it logged.
type result struct {
	run      *experiment.Run
	alpha    float64
	mse, r2  float64
	duration string
}

func run(ctx context.Context, wsDir, scripts, python string) error {
	ws, err := workspace.Open(wsDir, nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "train-on-local")
	if err != nil {
		return err
	}

	// The environment: the script needs only the standard library, so use the machine's
	// Python as is (azureml's "user-managed dependencies").
	rc := runconfig.New()
	rc.Target = "local"
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = python

	var results []result
	for _, alpha := range []float64{0.0, 0.1, 0.5, 1.0, 2.0} {
		// The float keeps its type in the run definition; the script sees str(alpha), e.g. "1.0".
		args := []any{"--alpha", alpha}
		src := runconfig.ScriptRunConfig{
			SourceDirectory: scripts,
			Script:          "train.py",
			Arguments:       args,
			RunConfig:       rc,
		}
		tags := map[string]string{"alpha": runconfig.ArgumentStrings(args)[1]}
		r, err := exp.Submit(ctx, src, &experiment.SubmitOptions{Tags: tags,
			OnWarning: func(w string) { fmt.Fprintln(os.Stderr, "warning:", w) }})
		if err != nil {
			return err
		}
		details, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: os.Stdout})
		if err != nil {
			var runErr *experiment.RunError
			if errors.As(err, &runErr) {
				fmt.Fprintf(os.Stderr, "run %s failed; end of its log:\n%s\n", runErr.RunID, runErr.LogTail)
			}
			return err
		}
		m, err := r.Metrics(ctx)
		if err != nil {
			return err
		}
		res := result{run: r, alpha: number(m["alpha"]), mse: number(m["mse"]), r2: number(m["r2"])}
		if details.StartTimeUTC != nil && details.EndTimeUTC != nil {
			res.duration = details.EndTimeUTC.Sub(*details.StartTimeUTC).Round(1e6).String()
		}
		results = append(results, res)
	}

	fmt.Println("\nMetrics of every run:")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tALPHA\tMSE\tR2\tDURATION")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%.2f\t%.4f\t%.4f\t%s\n", r.run.ID(), r.alpha, r.mse, r.r2, r.duration)
	}
	tw.Flush()

	sort.SliceStable(results, func(i, j int) bool { return results[i].mse < results[j].mse })
	best := results[0]
	model, err := best.run.RegisterModel(ctx, "ridge-regression", &experiment.RegisterModelOptions{
		ModelPath:      "outputs/model.json",
		Tags:           map[string]string{"alpha": fmt.Sprint(best.alpha), "mse": fmt.Sprintf("%.4f", best.mse)},
		Description:    "Ridge regression trained by examples/train-on-local",
		ModelFramework: "pure-python",
	})
	if err != nil {
		return err
	}
	fmt.Printf("\nBest run: %s (alpha %.2f, mse %.4f)\n", best.run.ID(), best.alpha, best.mse)
	fmt.Printf("Registered model %s version %d from %s (files: %v)\n", model.Name, model.Version, model.Path, model.Files)

	fmt.Println("\nRegistered versions of ridge-regression:")
	for m, err := range experiment.Models(ctx, ws, "ridge-regression") {
		if err != nil {
			return err
		}
		fmt.Printf("  %s  run %s  alpha %s  mse %s\n", m.ID(), m.RunID, m.Tags["alpha"], m.Tags["mse"])
	}
	return nil
}

func number(v any) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return math.NaN()
}

// defaultScripts finds scripts/ next to this file whether the program runs from the repository
// root (go run ./examples/train-on-local) or from its own directory.
func defaultScripts() string {
	for _, dir := range []string{"examples/train-on-local/scripts", "scripts"} {
		if _, err := os.Stat(filepath.Join(dir, "train.py")); err == nil {
			return dir
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "scripts")
	}
	return "scripts"
}
