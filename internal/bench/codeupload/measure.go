package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/codeasset"
)

type bench struct {
	s           settings
	script, src string
	mix         treeMix
	want        map[string]int64 // blob name → size every upload must produce
}

// result is one upload.
type result struct {
	wall, clientCPU, serverCPU time.Duration
}

func (r result) rate(bytes int64) float64 { return float64(bytes) / (1 << 20) / r.wall.Seconds() }

func (r result) line(who string, bytes int64) string {
	return fmt.Sprintf("%-11s %6.2f s %6.1f MiB/s  client CPU %5.1f s  azurite CPU %5.1f s",
		who, r.wall.Seconds(), r.rate(bytes), r.clientCPU.Seconds(), r.serverCPU.Seconds())
}

// pythonThreads is azure-ai-ml's upload pool size: cpu_count() * PROCESSES_PER_CORE (2).
func pythonThreads() int { return runtime.NumCPU() * 2 }

// measure uploads the tree once, by "amlgo" (with the given concurrency, 0 = default) or by
// "azure-ai-ml", into a fresh Azurite, through a latency proxy when rtt > 0, and checks the blobs.
func (b *bench) measure(ctx context.Context, who string, conc int, rtt time.Duration) (result, error) {
	var res result
	az, err := azuritetest.Launch(ctx, b.s.azurite)
	if err != nil {
		return res, err
	}
	defer az.Stop()
	if err := az.CreateContainer(ctx, "code"); err != nil {
		return res, err
	}
	u, err := az.SASURL("code", azuritetest.UploadPermissions, time.Hour)
	if err != nil {
		return res, err
	}
	if rtt > 0 {
		ep, err := url.Parse(az.BlobEndpoint)
		if err != nil {
			return res, err
		}
		px, err := startLatencyProxy(ep.Host, rtt)
		if err != nil {
			return res, err
		}
		defer px.Close()
		u = px.rewrite(u)
	}
	server0, err := procCPU(az.PID())
	if err != nil {
		return res, err
	}
	if who == "amlgo" {
		res, err = b.amlgo(ctx, u, conc)
	} else {
		res, err = b.python(ctx, u)
	}
	if err != nil {
		return res, err
	}
	server1, err := procCPU(az.PID())
	if err != nil {
		return res, err
	}
	res.serverCPU = server1 - server0
	return res, b.check(ctx, az, who)
}

// amlgo lists the tree and uploads it as azure-ai-ml lays it out (<base name>/<path>).
func (b *bench) amlgo(ctx context.Context, u string, conc int) (result, error) {
	cpu0 := selfCPU()
	start := time.Now()
	files, err := listDir(b.src)
	if err != nil {
		return result{}, err
	}
	if _, err := codeasset.Upload(ctx, u, filepath.Base(b.src), files, &codeasset.UploadOptions{Concurrency: conc}); err != nil {
		return result{}, err
	}
	return result{wall: time.Since(start), clientCPU: selfCPU() - cpu0}, nil
}

// python runs azure-ai-ml's upload; the times are the ones it measured around its uploader.
func (b *bench) python(ctx context.Context, u string) (result, error) {
	out := b.script + ".json"
	cmd := exec.CommandContext(ctx, b.s.python, b.script, b.src, u, out)
	if o, err := cmd.CombinedOutput(); err != nil {
		return result{}, fmt.Errorf("azure-ai-ml upload: %v: %s", err, o)
	}
	var r struct {
		UploadSeconds    float64 `json:"upload_seconds"`
		UploadCPUSeconds float64 `json:"upload_cpu_seconds"`
	}
	data, err := os.ReadFile(out)
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	return result{wall: seconds(r.UploadSeconds), clientCPU: seconds(r.UploadCPUSeconds)}, err
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// listDir lists the regular files below dir, opened from disk.
func listDir(dir string) ([]codeasset.File, error) {
	var files []codeasset.File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, codeasset.File{Path: filepath.ToSlash(rel), Size: fi.Size(),
			Open: func() (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	})
	return files, err
}

// expected lists the blobs every upload must produce.
func (b *bench) expected() (map[string]int64, error) {
	files, err := listDir(b.src)
	if err != nil {
		return nil, err
	}
	want := map[string]int64{}
	for _, f := range files {
		want[filepath.Base(b.src)+"/"+f.Path] = f.Size
	}
	return want, nil
}

// check compares the container with the tree.
func (b *bench) check(ctx context.Context, az *azuritetest.Azurite, who string) error {
	got := map[string]int64{}
	pager := az.Client().ServiceClient().NewContainerClient("code").NewListBlobsFlatPager(&container.ListBlobsFlatOptions{})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range page.Segment.BlobItems {
			got[*it.Name] = *it.Properties.ContentLength
		}
	}
	if len(got) != len(b.want) {
		return fmt.Errorf("%s stored %d blobs, the tree has %d files", who, len(got), len(b.want))
	}
	for name, size := range b.want {
		if g, ok := got[name]; !ok || g != size {
			return fmt.Errorf("%s: blob %s: %d bytes (present: %v), want %d", who, name, g, ok, size)
		}
	}
	return nil
}

// procCPU returns the user+system CPU time a process used so far (Linux /proc).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100, nil // USER_HZ
}

// selfCPU returns this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
