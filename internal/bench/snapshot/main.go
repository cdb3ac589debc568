// Command snapshot benchmarks snapshot.Take against `tar -cf - DIR | sha256sum`
// on a generated tree (5,000 files, 200 MiB by default).
//
//	go run ./internal/bench/snapshot -dir /tmp/x [-rounds 5] [-drop-caches]
//
// It generates the tree when DIR does not hold one of the requested shape,
// then runs, for several rounds, the tar pipeline and a cold Take (no stat
// cache) alternately under the same page-cache state (with -drop-caches,
// caches are dropped before every measurement; root only), then warm Takes
// with a primed stat cache. It prints medians: MiB/s and files/s for each,
// the cold Take / tar throughput ratio and the warm speedup.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/amlgo/amlgo/snapshot"
)

var warmProfile string

type treeSpec struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	Dirs  int   `json:"dirs"`
	Seed  int64 `json:"seed"`
}

func main() {
	dir := flag.String("dir", filepath.Join(os.TempDir(), "amlgo-snapshot-bench"), "tree directory (generated if absent)")
	files := flag.Int("files", 5000, "number of files")
	mib := flag.Int64("mib", 200, "total size in MiB")
	rounds := flag.Int("rounds", 7, "rounds per measurement (medians are reported)")
	drop := flag.Bool("drop-caches", false, "sync and drop the page cache before each measurement (root only)")
	profile := flag.String("warm-cpuprofile", "", "write a CPU profile of 200 extra warm takes to this file")
	flag.Parse()
	warmProfile = *profile
	if err := run(*dir, treeSpec{Files: *files, Bytes: *mib << 20, Dirs: 50, Seed: 1}, *rounds, *drop); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(dir string, spec treeSpec, rounds int, drop bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	generated, err := ensureTree(abs, spec)
	if err != nil {
		return err
	}
	if generated {
		// Let the new files age past the stat cache's racy window.
		time.Sleep(2500 * time.Millisecond)
	}
	ctx := context.Background()
	probe, err := snapshot.Take(ctx, abs, &snapshot.Options{MaxFiles: -1, MaxSize: -1})
	if err != nil {
		return err
	}
	nfiles := probe.Stats.Files
	size := probe.TotalSize

	fmt.Printf("tree: %s: %d files, %d dirs, %.1f MiB; GOMAXPROCS=%d; page cache: %s; %d rounds\n",
		abs, nfiles, probe.Stats.Dirs, float64(size)/(1<<20), runtime.GOMAXPROCS(0), cacheState(drop), rounds)

	var tarTimes, coldTimes, warmTimes []time.Duration
	for r := range rounds {
		measureTar := func() error {
			if err := maybeDrop(drop); err != nil {
				return err
			}
			d, err := timeTar(abs)
			tarTimes = append(tarTimes, d)
			return err
		}
		measureCold := func() error {
			if err := maybeDrop(drop); err != nil {
				return err
			}
			start := time.Now()
			s, err := snapshot.Take(ctx, abs, &snapshot.Options{MaxFiles: -1, MaxSize: -1})
			coldTimes = append(coldTimes, time.Since(start))
			if err == nil && s.ID != probe.ID {
				err = errors.New("cold take gave another ID")
			}
			return err
		}
		first, second := measureTar, measureCold
		if r%2 == 1 {
			first, second = second, first
		}
		if err := first(); err != nil {
			return err
		}
		if err := second(); err != nil {
			return err
		}
	}

	cache := snapshot.NewStatCache()
	if _, err := snapshot.Take(ctx, abs, &snapshot.Options{MaxFiles: -1, MaxSize: -1, Cache: cache}); err != nil {
		return err
	}
	if cache.Len() != nfiles {
		return fmt.Errorf("stat cache holds %d of %d files (files too recent?)", cache.Len(), nfiles)
	}
	for range rounds {
		if err := maybeDrop(drop); err != nil {
			return err
		}
		start := time.Now()
		s, err := snapshot.Take(ctx, abs, &snapshot.Options{MaxFiles: -1, MaxSize: -1, Cache: cache})
		warmTimes = append(warmTimes, time.Since(start))
		if err != nil {
			return err
		}
		if s.Stats.HashedFiles != 0 || s.ID != probe.ID {
			return fmt.Errorf("warm take hashed %d files, id %s", s.Stats.HashedFiles, s.ID)
		}
	}

	if warmProfile != "" {
		f, err := os.Create(warmProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		for range 200 {
			snapshot.Take(ctx, abs, &snapshot.Options{MaxFiles: -1, MaxSize: -1, Cache: cache})
		}
		pprof.StopCPUProfile()
		f.Close()
	}

	tarMed, coldMed, warmMed := median(tarTimes), median(coldTimes), median(warmTimes)
	mibps := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }
	fps := func(d time.Duration) float64 { return float64(nfiles) / d.Seconds() }
	fmt.Printf("\n%-26s %12s %10s %12s %12s\n", "measurement", "median", "best", "MiB/s (med)", "files/s (med)")
	row := func(name string, ds []time.Duration) {
		d := median(ds)
		fmt.Printf("%-26s %12s %10s %12.0f %12.0f\n", name, d.Round(10*time.Microsecond),
			slices.Min(ds).Round(10*time.Microsecond), mibps(d), fps(d))
	}
	row("tar -cf - | sha256sum", tarTimes)
	row("Take, cold (no cache)", coldTimes)
	row("Take, warm (stat cache)", warmTimes)
	ratio := mibps(coldMed) / mibps(tarMed)
	speedup := coldMed.Seconds() / warmMed.Seconds()
	fmt.Printf("\ncold Take / tar throughput: %.2fx (need >= 0.8x) %s\n", ratio, verdict(ratio >= 0.8))
	fmt.Printf("warm speedup over cold:     %.1fx (need >= 20x) %s\n", speedup, verdict(speedup >= 20))
	fmt.Printf("all rounds: tar %v\n            cold %v\n            warm %v\n", rounded(tarTimes), rounded(coldTimes), rounded(warmTimes))
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

func cacheState(drop bool) string {
	if drop {
		return "dropped before each measurement"
	}
	return "warm (not dropped)"
}

func timeTar(dir string) (time.Duration, error) {
	cmd := exec.Command("bash", "-c", `set -o pipefail; tar -C "$1" -cf - "$2" | sha256sum >/dev/null`,
		"bash", filepath.Dir(dir), filepath.Base(dir))
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	return time.Since(start), err
}

func maybeDrop(drop bool) error {
	if !drop {
		return nil
	}
	if err := exec.Command("sync").Run(); err != nil {
		return err
	}
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0o200)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(100 * time.Microsecond)
	}
	return out
}

// ensureTree generates the tree unless dir already holds one made from spec
// (recorded in dir + ".bench.json", outside the tree). It reports whether it
// generated.
func ensureTree(dir string, spec treeSpec) (bool, error) {
	marker := dir + ".bench.json"
	if data, err := os.ReadFile(marker); err == nil {
		var got treeSpec
		if json.Unmarshal(data, &got) == nil && got == spec {
			if _, err := os.Stat(dir); err == nil {
				return false, nil
			}
		}
	}
	fmt.Printf("generating %d files / %d MiB in %s ...\n", spec.Files, spec.Bytes>>20, dir)
	if err := os.RemoveAll(dir); err != nil {
		return false, err
	}
	rng := rand.New(rand.NewPCG(uint64(spec.Seed), 7))
	// Sizes: random weights scaled to the total, so sizes vary (a few bytes
	// to a few hundred KiB) and add up exactly.
	weights := make([]float64, spec.Files)
	var sum float64
	for i := range weights {
		weights[i] = rng.ExpFloat64()
		sum += weights[i]
	}
	sizes := make([]int64, spec.Files)
	var assigned int64
	for i := range sizes {
		sizes[i] = int64(weights[i] / sum * float64(spec.Bytes))
		assigned += sizes[i]
	}
	sizes[0] += spec.Bytes - assigned
	maxSize := slices.Max(sizes)
	data := make([]byte, maxSize+4096)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for i, sz := range sizes {
		sub := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%spec.Dirs), fmt.Sprintf("mod%d", i%3))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return false, err
		}
		off := (i * 4099) % 4096
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("file%05d.dat", i)), data[off:int64(off)+sz], 0o644); err != nil {
			return false, err
		}
	}
	if err := exec.Command("sync").Run(); err != nil {
		return false, err
	}
	mark, _ := json.Marshal(spec)
	if err := os.WriteFile(marker, mark, 0o644); err != nil {
		return false, err
	}
	return true, nil
}
