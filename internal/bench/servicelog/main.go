// Command servicelog measures, on the emulated Azure ML service, how long a line a running
// AmlCompute job prints takes to reach WaitForCompletion's ShowOutput (the job's output is
// shipped to its log blob as the service does, and amlgo reads it by byte range from run
// history), and what a re-submit of unchanged code sends before the job PUT.
//
//	AMLGO_AZURITE=... AMLGO_MLFLOW=... DOCKER_HOST=... go run ./internal/bench/servicelog -image amlgo-test/python3:1 [-lines 200]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/internal/bench/latency"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

func main() {
	image := flag.String("image", "amlgo-test/python3:1", "the jobs' image on the local engine")
	lines := flag.Int("lines", 200, "lines the job prints, 50 ms apart")
	flag.Parse()
	if err := run(*image, *lines); err != nil {
		fmt.Fprintln(os.Stderr, "servicelog:", err)
		os.Exit(1)
	}
}

func run(image string, lines int) error {
	ctx := context.Background()
	stack, err := amlemu.StartStack(ctx, nil)
	if err != nil {
		return err
	}
	defer stack.Close()
	id, err := workspace.ParseID(stack.WorkspaceID)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "amlgo-bench-service-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ws, err := workspace.Get(ctx, stack.Credential, id, &workspace.GetOptions{ClientOptions: stack.ClientOptions, Dir: filepath.Join(tmp, "ws")})
	if err != nil {
		return err
	}
	defer ws.Close()
	cluster, err := compute.CreateBatchCluster(ctx, ws, "cpu-cluster", &compute.BatchClusterConfig{VMSize: "STANDARD_D2_V2", MaxNodes: 4})
	if err != nil {
		return err
	}
	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	script := fmt.Sprintf("import time\nfor i in range(%d):\n    print(time.time_ns(), i, flush=True)\n    time.sleep(0.05)\n", lines)
	if err := os.WriteFile(filepath.Join(src, "lines.py"), []byte(script), 0o644); err != nil {
		return err
	}
	exp, err := experiment.New(ws, "bench-service")
	if err != nil {
		return err
	}
	rc := runconfig.New()
	rc.Target = cluster.Name()
	rc.Environment.Docker.BaseImage = image
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	cfg := runconfig.ScriptRunConfig{SourceDirectory: src, Script: "lines.py", RunConfig: rc}
	for round := range 2 {
		before := len(stack.Emulator.ARM().Requests())
		r, err := exp.Submit(ctx, cfg, &experiment.SubmitOptions{Target: cluster})
		if err != nil {
			return err
		}
		var reqs []string
		for _, q := range stack.Emulator.ARM().Requests()[before:] {
			if q.Method == http.MethodPut && strings.HasSuffix(q.Path, "/jobs/"+r.ID()) {
				break
			}
			reqs = append(reqs, q.Method+" "+q.Path[strings.Index(q.Path, "/workspaces/"):])
		}
		lw := &latency.Writer{}
		if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: lw}); err != nil {
			return err
		}
		lat := lw.Latencies()
		fmt.Printf("submit %d: requests before the job PUT: %d %v\n", round+1, len(reqs), reqs)
		fmt.Printf("  log latency over %d lines: p50 %s  p95 %s  p99 %s  max %s\n", len(lat),
			ms(latency.Percentile(lat, 50)), ms(latency.Percentile(lat, 95)), ms(latency.Percentile(lat, 99)), ms(latency.Percentile(lat, 100)))
		if len(lat) != lines {
			return fmt.Errorf("saw %d of %d lines", len(lat), lines)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
