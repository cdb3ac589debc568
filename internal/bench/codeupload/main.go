// Command codeupload measures internal/codeasset.Upload against azure-ai-ml's own uploader, in the
// same run, on the same Azurite build (AMLGO_AZURITE, in memory):
//
//   - a seeded source tree of 5,000 files and 200 MiB, a realistic mix (see makeTree);
//
//   - each round uploads it once with amlgo (listing the directory, then Upload with the
//     default options) and once with azure-ai-ml 1.35.2 (AMLGO_AZURE_AI_ML_PYTHON), through
//     the code path of a workspace code asset after startPendingUpload (_upload_to_datastore
//     with the temporary container's SAS URL); the order alternates between rounds. Every
//     upload gets a fresh emulator (state left by an earlier upload slows Azurite down), and
//     every upload's blobs are checked: the tree's files, as "<dir>/<path>", with their sizes;
//
//   - it prints each upload's wall time, MiB/s, client CPU and emulator CPU, the medians and
//     the ratio (target: amlgo ≥ 1.5× azure-ai-ml), and a sweep over UploadOptions.Concurrency;
//
//   - then the same through a proxy adding a network round trip (-rtt, 20 ms by default),
//     where a loopback emulator no longer hides what concurrency buys.
//
//     go run ./internal/bench/codeupload [-files 5000] [-mib 200] [-rounds 5] [-sweep 4,8,16,32,64] [-rtt 20ms]
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/codeasset"
	"github.com/amlgo/amlgo/internal/testenv"
)

//go:embed upload.py
var uploadPy []byte

type settings struct {
	files, mib, rounds int
	sweep              []int
	rtt                time.Duration
	azurite, python    string
}

func main() {
	var s settings
	var sweep string
	flag.IntVar(&s.files, "files", 5000, "number of files in the source tree")
	flag.IntVar(&s.mib, "mib", 200, "size of the source tree in MiB")
	flag.IntVar(&s.rounds, "rounds", 5, "rounds, each one amlgo upload and one azure-ai-ml upload")
	flag.StringVar(&sweep, "sweep", "4,8,16,32,64", "amlgo concurrencies to sweep (empty: none)")
	flag.DurationVar(&s.rtt, "rtt", 20*time.Millisecond, "then once more, and the sweep, through a proxy adding this round-trip time (0: skip)")
	flag.StringVar(&s.azurite, "azurite", os.Getenv(azuritetest.Env), "azurite-blob script ("+azuritetest.Env+")")
	flag.StringVar(&s.python, "python", os.Getenv(testenv.AzureAIMLPythonEnv), "python with azure-ai-ml ("+testenv.AzureAIMLPythonEnv+")")
	flag.Parse()
	for _, f := range strings.Split(sweep, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			s.sweep = append(s.sweep, n)
		}
	}
	if err := run(context.Background(), s); err != nil {
		fmt.Fprintln(os.Stderr, "codeupload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, s settings) error {
	if s.azurite == "" || s.python == "" {
		return errors.New("set " + azuritetest.Env + " and " + testenv.AzureAIMLPythonEnv + " (see README.md, blob storage tests)")
	}
	tmp, err := os.MkdirTemp("", "amlgo-codeupload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b := &bench{s: s, script: filepath.Join(tmp, "upload.py"), src: filepath.Join(tmp, "src")}
	if err := os.WriteFile(b.script, uploadPy, 0o644); err != nil {
		return err
	}
	if b.mix, err = makeTree(b.src, s.files, int64(s.mib)<<20); err != nil {
		return err
	}
	if b.want, err = b.expected(); err != nil {
		return err
	}
	fmt.Printf("tree: %s\n", b.mix)
	fmt.Printf("amlgo: codeasset.Upload, Concurrency %d, BlockSize %d MiB; azure-ai-ml: _upload_to_datastore(sas_uri=...), "+
		"%d threads; a fresh in-memory Azurite for each upload\n", codeasset.DefaultConcurrency, codeasset.DefaultBlockSize>>20, pythonThreads())

	var goRates, pyRates, goCPU, pyCPU []float64
	for r := range s.rounds {
		order := []string{"amlgo", "azure-ai-ml"}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, who := range order {
			res, err := b.measure(ctx, who, 0, 0)
			if err != nil {
				return err
			}
			fmt.Printf("round %d: %s\n", r+1, res.line(who, b.mix.bytes))
			if who == "amlgo" {
				goRates, goCPU = append(goRates, res.rate(b.mix.bytes)), append(goCPU, res.clientCPU.Seconds())
			} else {
				pyRates, pyCPU = append(pyRates, res.rate(b.mix.bytes)), append(pyCPU, res.clientCPU.Seconds())
			}
		}
	}
	if s.rounds > 0 {
		g, p := median(goRates), median(pyRates)
		fmt.Printf("median of %d rounds: amlgo %.1f MiB/s, azure-ai-ml %.1f MiB/s, ratio %.2fx (target >= 1.5x); "+
			"client CPU amlgo %.1f s, azure-ai-ml %.1f s\n", s.rounds, g, p, g/p, median(goCPU), median(pyCPU))
	}
	for _, c := range s.sweep {
		res, err := b.measure(ctx, "amlgo", c, 0)
		if err != nil {
			return err
		}
		fmt.Printf("sweep: Concurrency %3d: %s\n", c, res.line("amlgo", b.mix.bytes))
	}
	if s.rtt <= 0 {
		return nil
	}
	// Through a network-like round trip (client CPU then includes the proxy's, so it is not shown).
	var rates [2]float64
	for i, who := range []string{"amlgo", "azure-ai-ml"} {
		res, err := b.measure(ctx, who, 0, s.rtt)
		if err != nil {
			return err
		}
		rates[i] = res.rate(b.mix.bytes)
		fmt.Printf("rtt %v: %s\n", s.rtt, res.line(who, b.mix.bytes))
	}
	fmt.Printf("rtt %v: ratio %.2fx\n", s.rtt, rates[0]/rates[1])
	for _, c := range s.sweep {
		res, err := b.measure(ctx, "amlgo", c, s.rtt)
		if err != nil {
			return err
		}
		fmt.Printf("rtt %v sweep: Concurrency %3d: %s\n", s.rtt, c, res.line("amlgo", b.mix.bytes))
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
