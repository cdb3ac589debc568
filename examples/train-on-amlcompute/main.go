// Command train-on-amlcompute is azureml-core's "train on AmlCompute" (Batch AI) notebook with
// amlgo: it finds or creates an AmlCompute cluster (autoscale 1–4 nodes), waits for its nodes
// (min_node_count, timeout), submits ../train-on-local/scripts/train.py to it once per
// regularization strength — the same ScriptRunConfig as on the local machine, with Target set
// to the cluster — streams each run's log, prints the metrics and registers the best model:
//
//	ws = Workspace.from_config()
//	cpu_cluster = ComputeTarget.create(ws, "cpu-cluster", AmlCompute.provisioning_configuration(
//	    vm_size="STANDARD_D2_V2", min_nodes=1, max_nodes=4))
//	cpu_cluster.wait_for_completion(show_output=True, min_node_count=1, timeout_in_minutes=20)
//	run = Experiment(ws, "train-on-amlcompute").submit(ScriptRunConfig(..., compute_target=cpu_cluster))
//	run.wait_for_completion(show_output=True)
//
// Against Azure it reads the workspace from config.json (searched upward from -config) and
// authenticates with azidentity's DefaultAzureCredential; it creates billable resources:
//
//	go run ./examples/train-on-amlcompute -config . -cluster cpu-cluster
//
// With -emulator it runs everything against amlgo's emulated Azure ML service instead (a fake
// Resource Manager whose jobs run for real in containers on the local Docker engine, with
// Azurite and an MLflow tracking server; AMLGO_AZURITE and AMLGO_MLFLOW name them, see the
// README's test section) and the image given with -image:
//
//	go run ./examples/train-on-amlcompute -emulator -image amlgo-test/python3:1
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
	"text/tabwriter"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

type settings struct {
	config, cluster, image, scripts, wsDir string
	emulator                               bool
}

func main() {
	var s settings
	flag.StringVar(&s.config, "config", ".", "config.json, or a directory to search upward from (Azure)")
	flag.StringVar(&s.cluster, "cluster", "cpu-cluster", "the AmlCompute cluster's name")
	flag.StringVar(&s.image, "image", runconfig.DefaultCPUImage, "the jobs' base image")
	flag.StringVar(&s.scripts, "scripts", defaultScripts(), "directory holding train.py")
	flag.StringVar(&s.wsDir, "workspace-dir", "", "local directory of the workspace's run history (default: a temporary one)")
	flag.BoolVar(&s.emulator, "emulator", false, "run against amlgo's emulated Azure ML service")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, s); err != nil {
		fmt.Fprintln(os.Stderr, "train-on-amlcompute:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, s settings) error {
	ws, closeWS, err := openWorkspace(ctx, s)
	if err != nil {
		return err
	}
	defer closeWS()
	cluster, err := findOrCreate(ctx, ws, s.cluster)
	if err != nil {
		return err
	}
	if err := cluster.WaitForCompletion(ctx, &compute.WaitOptions{ShowOutput: os.Stdout, MinNodeCount: 1, Timeout: 20 * time.Minute}); err != nil {
		return err
	}
	exp, err := experiment.New(ws, "train-on-amlcompute")
	if err != nil {
		return err
	}
	rc := runconfig.New()
	rc.Target = cluster.Name()
	rc.Environment.Docker.BaseImage = s.image
	rc.Environment.Python.UserManagedDependencies = true // train.py needs only the standard library
	rc.Environment.Python.InterpreterPath = "python3"

	type result struct {
		run           *experiment.Run
		alpha, mse, r float64
	}
	var results []result
	for _, alpha := range []float64{0.1, 1.0} {
		r, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: s.scripts, Script: "train.py",
			Arguments: []any{"--alpha", alpha}, RunConfig: rc}, &experiment.SubmitOptions{
			OnWarning: func(w string) { fmt.Fprintln(os.Stderr, "warning:", w) }})
		if err != nil {
			return err
		}
		if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: os.Stdout}); err != nil {
			return err
		}
		m, err := r.Metrics(ctx)
		if err != nil {
			return err
		}
		results = append(results, result{r, last(m["alpha"]), last(m["mse"]), last(m["r2"])})
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Println("\nMetrics of every run:")
	fmt.Fprintln(tw, "RUN ID\tALPHA\tMSE\tR2")
	best := results[0]
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%.2f\t%.4f\t%.4f\n", r.run.ID(), r.alpha, r.mse, r.r)
		if r.mse < best.mse {
			best = r
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	model, err := best.run.RegisterModel(ctx, "ridge-amlcompute", &experiment.RegisterModelOptions{ModelPath: "outputs/model.json"})
	if err != nil {
		return err
	}
	fmt.Printf("Registered model %s version %d from run %s\n", model.Name, model.Version, best.run.ID())
	return nil
}

// openWorkspace is the workspace of config.json, or the emulated service's.
func openWorkspace(ctx context.Context, s settings) (*workspace.Workspace, func(), error) {
	dir := s.wsDir
	if dir == "" {
		d, err := os.MkdirTemp("", "amlgo-amlcompute-")
		if err != nil {
			return nil, nil, err
		}
		dir = d
	}
	if !s.emulator {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, nil, err
		}
		ws, err := workspace.FromConfig(ctx, cred, s.config, &workspace.GetOptions{Dir: dir})
		if err != nil {
			return nil, nil, err
		}
		return ws, func() { ws.Close() }, nil
	}
	stack, err := amlemu.StartStack(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	id, err := workspace.ParseID(stack.WorkspaceID)
	if err != nil {
		stack.Close()
		return nil, nil, err
	}
	ws, err := workspace.Get(ctx, stack.Credential, id, &workspace.GetOptions{ClientOptions: stack.ClientOptions, Dir: dir})
	if err != nil {
		stack.Close()
		return nil, nil, err
	}
	fmt.Printf("Workspace %s on the emulated Azure ML service\n", id.Name)
	return ws, func() { ws.Close(); stack.Close() }, nil
}

// findOrCreate returns the cluster called name, creating it (autoscale 1–4) when missing.
func findOrCreate(ctx context.Context, ws *workspace.Workspace, name string) (*compute.BatchCluster, error) {
	t, err := compute.Get(ctx, ws, name)
	switch {
	case err == nil:
		c, ok := t.(*compute.BatchCluster)
		if !ok {
			return nil, fmt.Errorf("%s is a %s target, not an AmlCompute cluster", name, t.Type())
		}
		fmt.Println("Found existing cluster, use it.")
		return c, nil
	case errors.Is(err, compute.ErrNotFound):
		fmt.Println("Creating a new compute target...")
		return compute.CreateBatchCluster(ctx, ws, name, &compute.BatchClusterConfig{VMSize: "STANDARD_D2_V2", MinNodes: 1, MaxNodes: 4})
	}
	return nil, err
}

func last(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case []any:
		if len(x) > 0 {
			return last(x[len(x)-1])
		}
	}
	return math.NaN()
}

// defaultScripts finds the train-on-local example's scripts/ (shared, not copied).
func defaultScripts() string {
	for _, dir := range []string{"examples/train-on-local/scripts", "../train-on-local/scripts"} {
		if _, err := os.Stat(filepath.Join(dir, "train.py")); err == nil {
			return dir
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "..", "train-on-local", "scripts")
	}
	return "../train-on-local/scripts"
}
