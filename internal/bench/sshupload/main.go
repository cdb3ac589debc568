// Command sshupload measures the VM (DSVM) target against OpenSSH on a loopback sshd:
//
//   - first upload of a 200 MiB / 5,000-file source tree into an empty blob store on the VM,
//     against OpenSSH's `sftp -b` (put -r) of the same tree to the same server, in the same run
//     (throughput ratio amlgo/sftp; target ≥ 0.8);
//   - a re-submit of the unchanged tree: bytes sent (target 0);
//   - log latency over SSH: how long a line the script prints takes to reach
//     WaitForCompletion's ShowOutput (p50, p95, p99; target p95 ≤ 500 ms).
//
// It needs an sshd and a key for it, named like examples/train-on-remote-vm does
// (AMLGO_VM_HOST, AMLGO_VM_PORT, AMLGO_VM_USER, AMLGO_VM_KEY, AMLGO_VM_KNOWN_HOSTS); the
// example's local-sshd.sh starts one on 127.0.0.1:
//
//	sh examples/train-on-remote-vm/local-sshd.sh   # then export what it prints
//	go run ./internal/bench/sshupload [-mib 200] [-files 5000] [-rounds 2] [-lines 300]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/amlgo/amlgo/internal/bench/latency"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
	"github.com/amlgo/amlgo/workspace"
)

type settings struct {
	host, user, key, knownHosts string
	port                        int
	mib, files, rounds, lines   int
	rtt                         time.Duration
}

func main() {
	var s settings
	flag.StringVar(&s.host, "host", os.Getenv("AMLGO_VM_HOST"), "sshd address (AMLGO_VM_HOST)")
	flag.IntVar(&s.port, "port", envInt("AMLGO_VM_PORT", 22), "sshd port (AMLGO_VM_PORT)")
	flag.StringVar(&s.user, "user", os.Getenv("AMLGO_VM_USER"), "login user (AMLGO_VM_USER)")
	flag.StringVar(&s.key, "key", os.Getenv("AMLGO_VM_KEY"), "private key file (AMLGO_VM_KEY)")
	flag.StringVar(&s.knownHosts, "known-hosts", os.Getenv("AMLGO_VM_KNOWN_HOSTS"), "known_hosts file (AMLGO_VM_KNOWN_HOSTS)")
	flag.IntVar(&s.mib, "mib", 200, "size of the source tree in MiB")
	flag.IntVar(&s.files, "files", 5000, "number of files in the source tree")
	flag.IntVar(&s.rounds, "rounds", 2, "upload rounds (each: amlgo, then sftp)")
	flag.IntVar(&s.lines, "lines", 300, "lines printed by the log-latency script")
	flag.DurationVar(&s.rtt, "rtt", 50*time.Millisecond, "also measure log latency through a proxy adding this round-trip time (0 = skip)")
	flag.Parse()
	if err := run(context.Background(), s); err != nil {
		fmt.Fprintln(os.Stderr, "sshupload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, s settings) error {
	if s.host == "" || s.user == "" || s.key == "" {
		return errors.New("set AMLGO_VM_HOST, AMLGO_VM_USER and AMLGO_VM_KEY (see examples/train-on-remote-vm/local-sshd.sh)")
	}
	tmp, err := os.MkdirTemp("", "amlgo-sshupload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	total, err := makeTree(src, s.files, int64(s.mib)<<20)
	if err != nil {
		return err
	}
	snap, err := snapshot.Take(ctx, src, &snapshot.Options{MaxSize: -1, MaxFiles: -1})
	if err != nil {
		return err
	}
	ws, err := workspace.Open(filepath.Join(tmp, "ws"), nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	if _, err := compute.AttachRemote(ctx, ws, "vm", &compute.RemoteAttachConfig{
		Address: s.host, SSHPort: s.port, Username: s.user, PrivateKeyFile: s.key, KnownHostsFile: s.knownHosts,
	}); err != nil {
		return err
	}
	open := func(f snapshot.File) (io.ReadCloser, error) {
		return os.Open(filepath.Join(src, filepath.FromSlash(f.Path)))
	}
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	var cleanup []string
	defer func() {
		if len(cleanup) > 0 {
			_ = sshRun(s, "rm -rf "+strings.Join(cleanup, " "))
		}
	}()

	fmt.Printf("source tree: %d files, %.1f MiB; sshd %s@%s:%d\n\n", len(snap.Files), float64(total)/(1<<20), s.user, s.host, s.port)
	fmt.Printf("%-6s %-28s %10s %12s\n", "round", "upload", "seconds", "MiB/s")
	var bestAml, bestSFTP time.Duration
	var vm *compute.DSVM
	for r := 1; r <= s.rounds; r++ {
		dir := ".azureml/amlgo-bench-" + stamp + "-" + strconv.Itoa(r)
		cleanup = append(cleanup, dir)
		if vm != nil {
			vm.Close()
		}
		vm, err = compute.GetDSVM(ctx, ws, "vm", &compute.DSVMOptions{RemoteDir: dir})
		if err != nil {
			return err
		}
		if _, err := vm.Status(ctx); err != nil { // connect outside the measurement
			return err
		}
		job := benchJob(ws, "upload_"+strconv.Itoa(r), snap, open)
		before := vm.UploadStats()
		t0 := time.Now()
		e, err := vm.Start(ctx, job)
		if err != nil {
			return err
		}
		startTime := time.Since(t0)
		if err := wait(ctx, e); err != nil {
			return err
		}
		st := vm.UploadStats()
		aml := st.Duration - before.Duration
		if st.Bytes-before.Bytes != total {
			return fmt.Errorf("amlgo sent %d bytes, want %d", st.Bytes-before.Bytes, total)
		}
		fmt.Printf("%-6d %-28s %10.2f %12.1f\n", r, "amlgo (blob sync)", aml.Seconds(), mibps(total, aml))
		fmt.Printf("%-6d %-28s %10.2f %12s\n", r, "amlgo Start (sync+wd+launch)", startTime.Seconds(), "")

		remote := ".azureml/amlgo-bench-sftp-" + stamp + "-" + strconv.Itoa(r)
		cleanup = append(cleanup, remote)
		sftpTime, err := sftpPut(s, src, remote, tmp)
		if err != nil {
			return err
		}
		fmt.Printf("%-6d %-28s %10.2f %12.1f\n", r, "OpenSSH sftp -b (put -r)", sftpTime.Seconds(), mibps(total, sftpTime))
		if bestAml == 0 || aml < bestAml {
			bestAml = aml
		}
		if bestSFTP == 0 || sftpTime < bestSFTP {
			bestSFTP = sftpTime
		}
	}
	fmt.Printf("\nbest of %d: amlgo %.1f MiB/s, sftp %.1f MiB/s, throughput ratio amlgo/sftp %.2f (target >= 0.8)\n",
		s.rounds, mibps(total, bestAml), mibps(total, bestSFTP), bestSFTP.Seconds()/bestAml.Seconds())

	// Re-submit of the unchanged tree.
	before := vm.UploadStats()
	e, err := vm.Start(ctx, benchJob(ws, "resubmit", snap, open))
	if err != nil {
		return err
	}
	if err := wait(ctx, e); err != nil {
		return err
	}
	after := vm.UploadStats()
	fmt.Printf("re-submit of the same tree: %d files, %d bytes sent (sync %s, %d blobs checked)\n",
		after.Files-before.Files, after.Bytes-before.Bytes, (after.Duration - before.Duration).Round(time.Millisecond), after.Checked-before.Checked)

	// Log latency through experiment.WaitForCompletion.
	lat, err := logLatency(ctx, ws, vm, tmp, s.lines)
	if err != nil {
		return err
	}
	fmt.Printf("log latency over SSH, %d lines: p50 %s  p95 %s  p99 %s  max %s (target p95 <= 500ms)\n", len(lat),
		ms(latency.Percentile(lat, 50)), ms(latency.Percentile(lat, 95)), ms(latency.Percentile(lat, 99)), ms(latency.Percentile(lat, 100)))
	vm.Close()
	if s.rtt > 0 {
		if err := delayedLatency(ctx, ws, s, tmp); err != nil {
			return err
		}
	}
	return nil
}

// delayedLatency measures log latency through a proxy that adds s.rtt of round-trip time.
func delayedLatency(ctx context.Context, ws *workspace.Workspace, s settings, tmp string) error {
	p, err := startDelayProxy(net.JoinHostPort(s.host, strconv.Itoa(s.port)), s.rtt)
	if err != nil {
		return err
	}
	defer p.close()
	hostKey, err := pinnedKey(s.knownHosts)
	if err != nil {
		return err
	}
	if _, err := compute.AttachRemote(ctx, ws, "far", &compute.RemoteAttachConfig{
		Address: "127.0.0.1", SSHPort: p.port(), Username: s.user, PrivateKeyFile: s.key, HostKey: hostKey,
	}); err != nil {
		return err
	}
	far, err := compute.GetDSVM(ctx, ws, "far", nil)
	if err != nil {
		return err
	}
	defer far.Close()
	lat, err := logLatency(ctx, ws, far, tmp, s.lines)
	if err != nil {
		return err
	}
	fmt.Printf("log latency over SSH with %s round trips, %d lines: p50 %s  p95 %s  p99 %s  max %s\n", s.rtt, len(lat),
		ms(latency.Percentile(lat, 50)), ms(latency.Percentile(lat, 95)), ms(latency.Percentile(lat, 99)), ms(latency.Percentile(lat, 100)))
	return nil
}

// pinnedKey returns the first host key of a known_hosts file as an authorized_keys line.
func pinnedKey(knownHosts string) (string, error) {
	b, err := os.ReadFile(knownHosts)
	if err != nil {
		return "", fmt.Errorf("-rtt needs the known_hosts file: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && !strings.HasPrefix(f[0], "#") {
			return f[1] + " " + f[2], nil
		}
	}
	return "", fmt.Errorf("no host key in %s", knownHosts)
}

// makeTree writes n files of random content totalling about size bytes: many small files, some
// medium ones and a few large ones, in 50 directories.
func makeTree(dir string, n int, size int64) (int64, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	large := max(n/100, 1)
	medium := n / 5
	small := n - large - medium
	smallSize, mediumSize := int64(8<<10), int64(64<<10)
	if rest := size - int64(small)*smallSize - int64(medium)*mediumSize; rest < int64(large) {
		smallSize, mediumSize = size/int64(2*n), size/int64(2*n)
	}
	largeSize := (size - int64(small)*smallSize - int64(medium)*mediumSize) / int64(large)
	var total int64
	buf := make([]byte, largeSize+mediumSize+smallSize)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for i := 0; i < n; i++ {
		sz := smallSize
		switch {
		case i < large:
			sz = largeSize
		case i < large+medium:
			sz = mediumSize
		}
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%50), fmt.Sprintf("f%05d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, err
		}
		off := rng.IntN(int(int64(len(buf)) - sz + 1))
		data := buf[off : int64(off)+sz]
		// Make every file distinct (distinct blobs).
		copy(data[:8], fmt.Sprintf("%08d", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return 0, err
		}
		total += sz
	}
	return total, nil
}

func benchJob(ws *workspace.Workspace, id string, snap *snapshot.Snapshot, open func(snapshot.File) (io.ReadCloser, error)) *compute.Job {
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	rc.Command = "true"
	return &compute.Job{RunID: id + "_" + strconv.FormatInt(time.Now().UnixNano(), 36), Experiment: "bench", Workspace: ws.Name(),
		RunConfig: rc, Snapshot: snap, OpenFile: open}
}

func wait(ctx context.Context, e compute.Execution) error {
	var cur compute.Cursor
	for {
		obs, err := e.Observe(ctx, cur)
		if err != nil {
			return err
		}
		cur = obs.Next
		switch obs.Status {
		case "Completed":
			return nil
		case "Failed", "Canceled":
			return fmt.Errorf("bench run %s: %s", obs.Status, obs.Reason)
		}
		time.Sleep(obs.PollAfter)
	}
}

// sftpPut uploads src to remote with OpenSSH's sftp in batch mode and returns the time taken.
func sftpPut(s settings, src, remote, tmp string) (time.Duration, error) {
	batch := filepath.Join(tmp, "sftp-batch")
	if err := os.WriteFile(batch, []byte(fmt.Sprintf("-mkdir .azureml\nmkdir %s\nput -r %s/* %s\n", remote, src, remote)), 0o644); err != nil {
		return 0, err
	}
	args := append(sshOptions(s), "-P", strconv.Itoa(s.port), "-b", batch, s.user+"@"+s.host)
	cmd := exec.Command("sftp", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("sftp: %v: %s", err, tail(out.String()))
	}
	return time.Since(t0), nil
}

func sshRun(s settings, command string) error {
	args := append(sshOptions(s), "-p", strconv.Itoa(s.port), s.user+"@"+s.host, "--", command)
	return exec.Command("ssh", args...).Run()
}

func sshOptions(s settings) []string {
	o := []string{"-q", "-i", s.key, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null"}
	if s.knownHosts != "" {
		o = append(o, "-o", "UserKnownHostsFile="+s.knownHosts, "-o", "StrictHostKeyChecking=yes")
	}
	return o
}

// logLatency runs a script printing timestamped lines through experiment and measures how long
// each takes to reach ShowOutput.
func logLatency(ctx context.Context, ws *workspace.Workspace, vm *compute.DSVM, tmp string, lines int) ([]time.Duration, error) {
	src := filepath.Join(tmp, "latency-"+vm.Name())
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	script := fmt.Sprintf("import time\nfor i in range(%d):\n    print(time.time_ns(), i, flush=True)\n    time.sleep(0.01)\n", lines)
	if err := os.WriteFile(filepath.Join(src, "lines.py"), []byte(script), 0o644); err != nil {
		return nil, err
	}
	exp, err := experiment.New(ws, "bench")
	if err != nil {
		return nil, err
	}
	rc := runconfig.New()
	rc.Target = vm.Name()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = "python3"
	r, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "lines.py", RunConfig: rc},
		&experiment.SubmitOptions{Target: vm})
	if err != nil {
		return nil, err
	}
	lw := &latency.Writer{}
	if _, err := r.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: lw}); err != nil {
		return nil, err
	}
	lat := lw.Latencies()
	if len(lat) != lines {
		return nil, fmt.Errorf("log latency: saw %d of %d lines", len(lat), lines)
	}
	return lat, nil
}

func ms(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }

func mibps(n int64, d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}
