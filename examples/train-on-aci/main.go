// Command train-on-aci is azureml-core's "train in Azure Container Instances" notebook with amlgo:
// the same ScriptRunConfig as on the local machine, with the run configuration's target set to
// "containerinstance" — a region, 1 core and 2 GB, Docker with the default CPU image and a conda
// environment with scikit-learn — submitted once per regularization strength; each run's log is
// streamed, its metrics printed, and the best run's model registered:
//
//	run_config = RunConfiguration(framework="python")
//	run_config.target = "containerinstance"
//	run_config.container_instance.region = ws.location
//	run_config.container_instance.cpu_cores = 1
//	run_config.container_instance.memory_gb = 2
//	run_config.environment.docker.enabled = True
//	run_config.environment.docker.base_image = azureml.core.runconfig.DEFAULT_CPU_IMAGE
//	run_config.environment.python.conda_dependencies = CondaDependencies.create(conda_packages=["scikit-learn"])
//	run = Experiment(ws, "train-on-aci").submit(ScriptRunConfig(source_directory=".", script="train.py", run_config=run_config))
//	run.wait_for_completion(show_output=True)
//
// The environment's image is built on the local Docker engine and pushed to the workspace's
// container registry once; the second run finds it there and pushes nothing, and uploads none
// of the unchanged snapshot files (its control log says so; the program prints those lines).
//
// Against Azure it reads the workspace from config.json (searched upward from -config) and
// authenticates with azidentity's DefaultAzureCredential; it creates billable container groups
// (each deleted after its run):
//
//	go run ./examples/train-on-aci -config .
//
// With -emulator it runs against amlgo's emulated Azure instead: a fake Resource Manager whose
// container groups run for real on the Docker test engine (AMLGO_DOCKER_ENV), the workspace's
// registry being the test registry and its storage Azurite (AMLGO_AZURITE, AMLGO_MLFLOW; see the
// README's test section), with a base image that has scikit-learn:
//
//	go run ./examples/train-on-aci -emulator -image amlgo-test/python3-sklearn:1
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

type settings struct {
	config, region, image, scripts, wsDir string
	emulator                              bool
}

func main() {
	var s settings
	flag.StringVar(&s.config, "config", ".", "config.json, or a directory to search upward from (Azure)")
	flag.StringVar(&s.region, "region", "", "the container groups' Azure region (default: the workspace's)")
	flag.StringVar(&s.image, "image", runconfig.DefaultCPUImage, "the base image the conda environment is built on")
	flag.StringVar(&s.scripts, "scripts", defaultScripts(), "directory holding train.py")
	flag.StringVar(&s.wsDir, "workspace-dir", "", "local directory of the workspace's run history (default: a temporary one)")
	flag.BoolVar(&s.emulator, "emulator", false, "run against amlgo's emulated Azure")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, s); err != nil {
		fmt.Fprintln(os.Stderr, "train-on-aci:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, s settings) error {
	ws, closeWS, err := openWorkspace(ctx, s)
	if err != nil {
		return err
	}
	defer closeWS()
	exp, err := experiment.New(ws, "train-on-aci")
	if err != nil {
		return err
	}
	deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	if err != nil {
		return err
	}
	rc := runconfig.New()
	rc.Target = "containerinstance"
	rc.ContainerInstance = &runconfig.ContainerInstanceConfiguration{Region: s.region, CPUCores: 1, MemoryGB: 2}
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = s.image
	rc.Environment.Python.CondaDependencies = deps

	type result struct {
		run     *experiment.Run
		alpha   float64
		mse, r2 float64
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
		if err := printPreparation(ctx, r); err != nil {
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
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.4f\n", r.run.ID(), r.alpha, r.mse, r.r2)
		if r.mse < best.mse {
			best = r
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	model, err := best.run.RegisterModel(ctx, "ridge-aci", &experiment.RegisterModelOptions{ModelPath: "outputs/model.pkl"})
	if err != nil {
		return err
	}
	fmt.Printf("Registered model %s version %d from run %s\n", model.Name, model.Version, best.run.ID())
	return nil
}

// printPreparation prints what the run's control log says of the image and the snapshot upload.
func printPreparation(ctx context.Context, r *experiment.Run) error {
	var buf bytes.Buffer
	if err := r.Logs(ctx, &buf, &experiment.LogsOptions{Name: "azureml-logs/60_control_log.txt"}); err != nil {
		return err
	}
	fmt.Printf("Preparation of %s:\n", r.ID())
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "Uploaded snapshot") || strings.Contains(line, "Using image") || strings.Contains(line, "Pushed image") {
			fmt.Println("  " + line)
		}
	}
	return nil
}

// openWorkspace is the workspace of config.json, or the emulated one.
func openWorkspace(ctx context.Context, s settings) (*workspace.Workspace, func(), error) {
	dir := s.wsDir
	if dir == "" {
		d, err := os.MkdirTemp("", "amlgo-aci-")
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
	stack, err := amlemu.StartStack(ctx, &amlemu.StackOptions{ContainerInstances: true})
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
	fmt.Printf("Workspace %s on the emulated Azure (container groups on the local Docker engine)\n", id.Name)
	return ws, func() { ws.Close(); stack.Close() }, nil
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
	return 0
}

// defaultScripts is the scripts directory next to this file.
func defaultScripts() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "scripts"
	}
	return filepath.Join(filepath.Dir(file), "scripts")
}
