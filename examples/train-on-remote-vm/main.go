// Command train-on-remote-vm trains the ridge regression script of examples/train-on-local on a
// remote Linux VM over SSH with amlgo, the Go mirror of azureml-core's "train on remote VM"
// notebook: it attaches the VM to an embedded workspace (azureml's RemoteCompute), submits
// ../train-on-local/scripts/train.py once per regularization strength, streams each run's log
// from the VM, and prints every run's metrics.
//
//	AMLGO_VM_HOST=vm.example.org AMLGO_VM_USER=azureuser AMLGO_VM_KEY=~/.ssh/id_ed25519 \
//	    go run ./examples/train-on-remote-vm
//
// Settings come from flags or, when a flag is not given, from the environment:
//
//	-host         AMLGO_VM_HOST          the VM's address (required)
//	-port         AMLGO_VM_PORT          its SSH port (22)
//	-user         AMLGO_VM_USER          the account to log in as (default: $USER)
//	-key          AMLGO_VM_KEY           private key file (else AMLGO_VM_PASSWORD, else the ssh-agent)
//	-known-hosts  AMLGO_VM_KNOWN_HOSTS   known_hosts file to check the host key (~/.ssh/known_hosts)
//	-python       AMLGO_VM_PYTHON        interpreter on the VM (python3)
//	              AMLGO_VM_PASSWORD      password (environment only, never a flag)
//	              AMLGO_VM_KEY_PASSPHRASE passphrase of an encrypted key (environment only)
//
// With -docker the runs train in a container on the VM's Docker engine instead, in the
// notebook's docker configuration (docker enabled, a base image, a system-managed conda
// environment with scikit-learn):
//
//	-docker                                run in Docker on the VM
//	-image        AMLGO_VM_DOCKER_IMAGE    base image (azureml's DEFAULT_CPU_IMAGE)
//	-registry     AMLGO_VM_DOCKER_REGISTRY registry to pull it from, with
//	              AMLGO_VM_DOCKER_REGISTRY_USER and AMLGO_VM_DOCKER_REGISTRY_PASSWORD (environment only)
//	-docker-host  AMLGO_VM_DOCKER_HOST     the engine's socket on the VM (/var/run/docker.sock)
//
// The VM needs python3 and a POSIX shell with tar; see README.md for a local sshd to try it on.
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
	"strconv"
	"text/tabwriter"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// settings are the example's inputs.
type settings struct {
	wsDir, scripts, target              string
	host, user, key, knownHosts, python string
	port                                int
	password, passphrase                string

	docker                                          bool
	image, registry, registryUser, registryPassword string
	dockerHost                                      string
}

func main() {
	var s settings
	flag.StringVar(&s.wsDir, "workspace", ".amlgo", "directory of the local workspace")
	flag.StringVar(&s.scripts, "scripts", defaultScripts(), "directory holding train.py")
	flag.StringVar(&s.target, "target", "myvm", "name of the compute target in the workspace")
	flag.StringVar(&s.host, "host", os.Getenv("AMLGO_VM_HOST"), "the VM's address (AMLGO_VM_HOST)")
	flag.IntVar(&s.port, "port", envInt("AMLGO_VM_PORT", 22), "the VM's SSH port (AMLGO_VM_PORT)")
	flag.StringVar(&s.user, "user", envOr("AMLGO_VM_USER", os.Getenv("USER")), "login user (AMLGO_VM_USER)")
	flag.StringVar(&s.key, "key", os.Getenv("AMLGO_VM_KEY"), "private key file (AMLGO_VM_KEY)")
	flag.StringVar(&s.knownHosts, "known-hosts", os.Getenv("AMLGO_VM_KNOWN_HOSTS"), "known_hosts file (AMLGO_VM_KNOWN_HOSTS)")
	flag.StringVar(&s.python, "python", envOr("AMLGO_VM_PYTHON", "python3"), "Python interpreter on the VM (AMLGO_VM_PYTHON)")
	flag.BoolVar(&s.docker, "docker", false, "train in a container on the VM's Docker engine")
	flag.StringVar(&s.image, "image", envOr("AMLGO_VM_DOCKER_IMAGE", runconfig.DefaultCPUImage), "base image with -docker (AMLGO_VM_DOCKER_IMAGE)")
	flag.StringVar(&s.registry, "registry", os.Getenv("AMLGO_VM_DOCKER_REGISTRY"), "registry of the base image (AMLGO_VM_DOCKER_REGISTRY)")
	flag.StringVar(&s.dockerHost, "docker-host", os.Getenv("AMLGO_VM_DOCKER_HOST"), "Docker engine socket on the VM (AMLGO_VM_DOCKER_HOST)")
	flag.Parse()
	s.registryUser = os.Getenv("AMLGO_VM_DOCKER_REGISTRY_USER")
	s.registryPassword = os.Getenv("AMLGO_VM_DOCKER_REGISTRY_PASSWORD")
	s.password = os.Getenv("AMLGO_VM_PASSWORD")
	s.passphrase = os.Getenv("AMLGO_VM_KEY_PASSPHRASE")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, s); err != nil {
		fmt.Fprintln(os.Stderr, "train-on-remote-vm:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, s settings) error {
	if s.host == "" {
		return errors.New("no VM address: set -host or AMLGO_VM_HOST (see README.md)")
	}
	ws, err := workspace.Open(s.wsDir, nil)
	if err != nil {
		return err
	}
	defer ws.Close()

	vm, err := attach(ctx, ws, s)
	if err != nil {
		return err
	}
	defer vm.Close()
	if h := vm.Host(); h != nil {
		fmt.Printf("Compute target %s: %s@%s:%d — %s\n", vm.Name(), s.user, s.host, s.port, h)
	}

	exp, err := experiment.New(ws, "train-on-remote-vm")
	if err != nil {
		return err
	}
	rc, err := runConfig(vm.Name(), s)
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	var rows []string
	for _, alpha := range []float64{0.1, 1.0} {
		before := vm.UploadStats()
		src := runconfig.ScriptRunConfig{SourceDirectory: s.scripts, Script: "train.py",
			Arguments: []any{"--alpha", alpha}, RunConfig: rc}
		r, err := exp.Submit(ctx, src, &experiment.SubmitOptions{Target: vm,
			OnWarning: func(w string) { fmt.Fprintln(os.Stderr, "warning:", w) }})
		if err != nil {
			return err
		}
		if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: os.Stdout}); err != nil {
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
		after := vm.UploadStats()
		rows = append(rows, fmt.Sprintf("%s\t%.2f\t%.4f\t%.4f\t%d files, %d bytes", r.ID(), number(m["alpha"]), number(m["mse"]), number(m["r2"]),
			after.Files-before.Files, after.Bytes-before.Bytes))
	}
	fmt.Println("\nMetrics of every run (and the snapshot files each submit sent to the VM):")
	fmt.Fprintln(tw, "RUN ID\tALPHA\tMSE\tR2\tSENT")
	for _, r := range rows {
		fmt.Fprintln(tw, r)
	}
	return tw.Flush()
}

// runConfig is the runs' configuration: the VM's Python as is (the script needs only the
// standard library), or with -docker the notebook's docker configuration.
func runConfig(target string, s settings) (*runconfig.RunConfiguration, error) {
	rc := runconfig.New()
	rc.Target = target
	if !s.docker {
		rc.Environment.Python.UserManagedDependencies = true
		rc.Environment.Python.InterpreterPath = s.python
		return rc, nil
	}
	// run_config.environment.docker.enabled = True
	// run_config.environment.docker.base_image = DEFAULT_CPU_IMAGE
	// run_config.environment.python.conda_dependencies = CondaDependencies.create(conda_packages=['scikit-learn'])
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = s.image
	rc.Environment.Docker.BaseImageRegistry.Address = s.registry
	rc.Environment.Docker.BaseImageRegistry.Username = s.registryUser
	rc.Environment.Docker.BaseImageRegistry.Password = runconfig.Secret(s.registryPassword)
	rc.Environment.Python.UserManagedDependencies = false
	deps, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	if err != nil {
		return nil, err
	}
	rc.Environment.Python.CondaDependencies = deps
	prepare := true
	rc.AutoPrepareEnvironment = &prepare
	return rc, nil
}

// attach returns the workspace's target s.target, attaching the VM the first time.
func attach(ctx context.Context, ws *workspace.Workspace, s settings) (*compute.DSVM, error) {
	opts := &compute.DSVMOptions{Password: s.password, PrivateKeyPassphrase: s.passphrase, DockerHost: s.dockerHost}
	vm, err := compute.GetDSVM(ctx, ws, s.target, opts)
	if err == nil {
		if a, p := vm.Address(); a == s.host && p == s.port {
			return vm, nil
		}
		if err := vm.Detach(ctx); err != nil { // the settings name another VM now
			return nil, err
		}
	} else if !errors.Is(err, compute.ErrNotFound) {
		return nil, err
	}
	cfg := &compute.RemoteAttachConfig{
		Address: s.host, SSHPort: s.port, Username: s.user, KnownHostsFile: s.knownHosts,
	}
	switch {
	case s.key != "":
		cfg.PrivateKeyFile, cfg.PrivateKeyPassphrase = s.key, s.passphrase
	case s.password != "":
		cfg.Password = s.password
	default:
		cfg.UseAgent = true
	}
	if _, err := compute.AttachRemote(ctx, ws, s.target, cfg); err != nil {
		return nil, err
	}
	return compute.GetDSVM(ctx, ws, s.target, opts)
}

func number(v any) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return math.NaN()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// defaultScripts finds the train-on-local example's scripts/ (shared, not copied) whether the
// program runs from the repository root or from its own directory.
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
