// Command dockerrun measures docker-enabled runs on the local target against the Docker CLI, in
// the same run:
//
//   - a whole no-op run: amlgo's Submit + WaitForCompletion of a docker-enabled script against
//     `docker run --rm <same image> python3 -c pass`, alternating, medians and the overhead;
//   - a second submit with an unchanged system-managed environment: no image build (checked)
//     and how long making the environment ready takes (median of the image checks);
//   - log latency: how long a line printed in the container takes to reach ShowOutput.
//
// It needs a Docker engine and the test images (internal/dockertest/setup.sh):
//
//	go run ./internal/bench/dockerrun [-env $AMLGO_DOCKER_ENV] [-n 20] [-lines 300]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/bench/latency"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

func main() {
	envFile := flag.String("env", os.Getenv("AMLGO_DOCKER_ENV"), "the Docker test environment (env.json of internal/dockertest/setup.sh)")
	n := flag.Int("n", 20, "runs per measurement")
	lines := flag.Int("lines", 300, "lines printed by the log-latency script")
	flag.Parse()
	if err := run(*envFile, *n, *lines); err != nil {
		fmt.Fprintln(os.Stderr, "dockerrun:", err)
		os.Exit(1)
	}
}

type dockerEnv struct {
	Host        string `json:"host"`
	PythonImage string `json:"pythonImage"`
}

func run(envFile string, n, lines int) error {
	if envFile == "" {
		return errors.New("no Docker test environment: pass -env or set AMLGO_DOCKER_ENV (internal/dockertest/setup.sh)")
	}
	b, err := os.ReadFile(envFile)
	if err != nil {
		return err
	}
	var env dockerEnv
	if err := json.Unmarshal(b, &env); err != nil {
		return err
	}
	os.Setenv("DOCKER_HOST", env.Host)
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "amlgo-bench-docker-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	linesScript := fmt.Sprintf("import time\nfor i in range(%d):\n    print(time.time_ns(), i, flush=True)\n    time.sleep(0.01)\n", lines)
	for name, text := range map[string]string{"noop.py": "pass\n", "lines.py": linesScript} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	ws, err := workspace.Open(filepath.Join(tmp, "ws"), nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, "bench-docker")
	if err != nil {
		return err
	}
	rc := runconfig.New()
	rc.Environment.Docker.Enabled = true
	rc.Environment.Docker.BaseImage = env.PythonImage
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	submit := func(script string, rc *runconfig.RunConfiguration, show *bytes.Buffer) (*experiment.Run, error) {
		r, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: script, RunConfig: rc}, nil)
		if err != nil {
			return nil, err
		}
		_, err = r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: show})
		return r, err
	}

	// 1. Whole no-op run, against the CLI.
	var cli, aml []time.Duration
	for i := 0; i < n+2; i++ { // two warm-up rounds
		t0 := time.Now()
		if out, err := exec.Command("docker", "-H", env.Host, "run", "--rm", env.PythonImage, "python3", "-c", "pass").CombinedOutput(); err != nil {
			return fmt.Errorf("docker run: %v: %s", err, out)
		}
		dCLI := time.Since(t0)
		t0 = time.Now()
		var out bytes.Buffer
		if _, err := submit("noop.py", rc, &out); err != nil {
			return fmt.Errorf("%v: %s", err, out.String())
		}
		dAML := time.Since(t0)
		if i >= 2 {
			cli, aml = append(cli, dCLI), append(aml, dAML)
		}
	}
	fmt.Printf("runs per measurement: %d (image %s, engine %s)\n\n", n, env.PythonImage, env.Host)
	fmt.Printf("%-40s %12s %12s %12s\n", "", "docker run", "amlgo", "overhead")
	fmt.Printf("%-40s %12s %12s %12s\n", "median whole no-op run", ms(latency.Median(cli)), ms(latency.Median(aml)), ms(latency.Median(aml)-latency.Median(cli)))

	// 2. An unchanged system-managed environment: built once, then only checked.
	sys := rc.Clone()
	sys.Environment.Python.UserManagedDependencies = false
	deps, err := conda.Create(&conda.CreateOptions{PipPackages: []string{fmt.Sprintf("bench-%d", time.Now().UnixNano())}})
	if err != nil {
		return err
	}
	sys.Environment.Python.CondaDependencies = deps
	first, err := submit("noop.py", sys, &bytes.Buffer{})
	if err != nil {
		return err
	}
	second, err := submit("noop.py", sys, &bytes.Buffer{})
	if err != nil {
		return err
	}
	c1, c2 := controlLog(ctx, first), controlLog(ctx, second)
	if !bytes.Contains(c1, []byte("Building image")) {
		return errors.New("the first run of a new environment built no image")
	}
	if bytes.Contains(c2, []byte("Building image")) || bytes.Contains(c2, []byte("Pulling image")) {
		return errors.New("the second run of an unchanged environment built or pulled")
	}
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: env.Host})
	if err != nil {
		return err
	}
	defer eng.Close()
	spec := dockerexec.ImageSpec{BaseImage: env.PythonImage, CondaEnvName: "azureml_" + deps.Hash(), CondaYAML: deps.Serialize()}
	var ready []time.Duration
	for range n {
		t0 := time.Now()
		img, err := eng.EnsureImage(ctx, spec, nil)
		if err != nil {
			return err
		}
		if img.Built || img.Pulled {
			return errors.New("an unchanged environment was built or pulled again")
		}
		ready = append(ready, time.Since(t0))
	}
	fmt.Printf("\nsecond submit, unchanged environment: no build, no pull (checked); control log: %s\n", usingLine(c2))
	fmt.Printf("environment ready (image check) over %d: median %s  p95 %s\n", n, ms(latency.Median(ready)), ms(latency.Percentile(ready, 95)))

	// 3. Log latency, container to ShowOutput.
	r, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "lines.py", RunConfig: rc}, nil)
	if err != nil {
		return err
	}
	lw := &latency.Writer{}
	if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: lw}); err != nil {
		return err
	}
	lat := lw.Latencies()
	if len(lat) != lines {
		return fmt.Errorf("log latency: saw %d of %d lines", len(lat), lines)
	}
	fmt.Printf("\nlog latency over %d lines: p50 %s  p95 %s  p99 %s  max %s\n", len(lat),
		ms(latency.Percentile(lat, 50)), ms(latency.Percentile(lat, 95)), ms(latency.Percentile(lat, 99)), ms(latency.Percentile(lat, 100)))
	return nil
}

func controlLog(ctx context.Context, r *experiment.Run) []byte {
	var b bytes.Buffer
	_ = r.Logs(ctx, &b, &experiment.LogsOptions{Name: "azureml-logs/60_control_log.txt"})
	return b.Bytes()
}

var usingRE = regexp.MustCompile(`Using image [^\n]*`)

func usingLine(ctl []byte) string { return string(usingRE.Find(ctl)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
