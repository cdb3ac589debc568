// Command hpsampler compares the quality of amlgo's samplers (internal/hpsearch, the code behind
// hyperdrive's RandomParameterSampling and BayesianParameterSampling) with Optuna's, in the same
// run: on Branin (30 trials) and Hartmann-6 (60 trials), each sampler minimizes the function for
// 20 seeds, one trial at a time, as pure in-process objective functions (no jobs), and the
// median (and quartiles) of the best value found are printed side by side. Optuna's TPESampler
// and RandomSampler run through optuna_driver.py with the interpreter -python names (a venv with
// optuna==5.0.0); without one only amlgo's samplers are measured.
//
//	python3 -m venv /tmp/optuna && /tmp/optuna/bin/pip install -r internal/bench/hpsampler/optuna-requirements.txt
//	go run ./internal/bench/hpsampler -python /tmp/optuna/bin/python [-seeds 20] [-concurrency 1] [-samplers random,bayesian]
//
// For each pair (amlgo random, Optuna random) and (amlgo Bayesian, Optuna TPE) it prints the
// Mann-Whitney U test's two-sided p-value and the probability that amlgo's result is the better
// one: "within noise" is a large p.
//
// With -concurrency c > 1 each trial is proposed while the c−1 before it are still pending (as in
// a sweep with max_concurrent_runs c): amlgo's samplers see them as pending trials, Optuna's
// are driven by ask and tell with TPESampler(constant_liar=True).
package main

import (
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

//go:embed optuna_driver.py
var driverPy []byte

func main() {
	seeds := flag.Int("seeds", 20, "seeds per sampler and problem")
	python := flag.String("python", os.Getenv("AMLGO_OPTUNA_PYTHON"), "python with optuna installed (AMLGO_OPTUNA_PYTHON); empty: amlgo only")
	conc := flag.Int("concurrency", 1, "trials in flight for amlgo's samplers")
	only := flag.String("problems", "branin,hartmann6", "problems to run")
	which := flag.String("samplers", "random,bayesian", "amlgo samplers to run; Optuna's counterparts (random, tpe) run alongside")
	flag.Parse()
	for _, p := range problems {
		if !slices.Contains(strings.Split(*only, ","), p.name) {
			continue
		}
		fmt.Printf("%s: budget %d, %d seeds, f* = %g (best value found: median [q1, q3])\n", p.name, p.budget, *seeds, p.fstar)
		results := map[string][]float64{}
		for _, s := range []string{"random", "bayesian"} {
			if !slices.Contains(strings.Split(*which, ","), s) {
				continue
			}
			start := time.Now()
			bests := make([]float64, *seeds)
			for seed := range *seeds {
				b, err := runAmlgo(p, s, int64(seed), *conc)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				bests[seed] = b
			}
			report("amlgo "+s, bests, time.Since(start))
			results["amlgo "+s] = bests
		}
		if *python != "" {
			for _, s := range []string{"random", "tpe"} {
				if s == "tpe" && !slices.Contains(strings.Split(*which, ","), "bayesian") || s == "random" && !slices.Contains(strings.Split(*which, ","), "random") {
					continue
				}
				start := time.Now()
				bests, err := runOptuna(*python, p, s, *seeds, *conc)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				report("optuna "+s, bests, time.Since(start))
				results["optuna "+s] = bests
			}
		}
		for _, pair := range [][2]string{{"amlgo random", "optuna random"}, {"amlgo bayesian", "optuna tpe"}} {
			a, b := results[pair[0]], results[pair[1]]
			if a != nil && b != nil {
				fmt.Printf("  %s vs %s: Mann-Whitney two-sided p = %.3f (P(amlgo better) = %.2f)\n", pair[0], pair[1], mannWhitney(a, b), probLower(a, b))
			}
		}
	}
}

func report(name string, bests []float64, d time.Duration) {
	s := slices.Sorted(slices.Values(bests))
	fmt.Printf("  %-16s median %9.5f  [%9.5f, %9.5f]  (%.1fs)\n", name, quantile(s, 0.5), quantile(s, 0.25), quantile(s, 0.75), d.Seconds())
}

// quantile of sorted s, linear interpolation (numpy's default).
func quantile(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

// runAmlgo minimizes p with one of amlgo's samplers and returns the best value found.
func runAmlgo(p problem, sampler string, seed int64, conc int) (float64, error) {
	space := make(hpsearch.Space, len(p.lo))
	for i := range p.lo {
		space[i] = hpsearch.Param{Name: fmt.Sprintf("x%d", i), Dist: hpsearch.Dist{Kind: hpsearch.Uniform, Args: []float64{p.lo[i], p.hi[i]}}}
	}
	var history []hpsearch.Trial
	best := math.Inf(1)
	for len(history) < p.budget {
		// The trials in flight: the last conc−1 proposed are still pending when asking.
		pending := min(conc-1, len(history))
		for i := len(history) - pending; i < len(history); i++ {
			history[i].Terminal, history[i].HasValue = false, false
		}
		var cs []map[string]any
		var err error
		if sampler == "random" {
			cs = hpsearch.Random(space, seed, history, 1)
		} else {
			cs, err = hpsearch.Bayesian(space, seed, history, 1)
		}
		if err != nil {
			return 0, err
		}
		// Complete the pending ones (their values were already computed) and the new one.
		for i := len(history) - pending; i < len(history); i++ {
			history[i].Terminal, history[i].HasValue = true, true
		}
		for _, c := range cs {
			x := make([]float64, len(space))
			for i, prm := range space {
				x[i] = c[prm.Name].(float64)
			}
			y := p.f(x)
			best = math.Min(best, y)
			history = append(history, hpsearch.Trial{Params: c, Terminal: true, HasValue: true, Value: -y})
		}
	}
	return best, nil
}

// runOptuna runs optuna_driver.py for every seed and returns the best values.
func runOptuna(python string, p problem, sampler string, seeds, conc int) ([]float64, error) {
	f, err := os.CreateTemp("", "optuna_driver*.py")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(driverPy); err != nil {
		return nil, err
	}
	f.Close()
	out, err := exec.Command(python, f.Name(), p.name, sampler, fmt.Sprint(p.budget), fmt.Sprint(seeds), fmt.Sprint(conc)).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return nil, fmt.Errorf("optuna driver: %v\n%s", err, ee.Stderr)
		}
		return nil, err
	}
	var bests []float64
	if err := json.Unmarshal(out, &bests); err != nil {
		return nil, fmt.Errorf("optuna driver output: %w", err)
	}
	return bests, nil
}

// probLower is the probability that a value of a is below (better than) one of b, ties half.
func probLower(a, b []float64) float64 {
	var u float64
	for _, x := range a {
		for _, y := range b {
			switch {
			case x < y:
				u++
			case x == y:
				u += 0.5
			}
		}
	}
	return u / float64(len(a)*len(b))
}

// mannWhitney is the two-sided p-value of the Mann-Whitney U test of a against b (normal
// approximation without tie correction; the values are continuous).
func mannWhitney(a, b []float64) float64 {
	n1, n2 := float64(len(a)), float64(len(b))
	u := probLower(a, b) * n1 * n2
	mu, sd := n1*n2/2, math.Sqrt(n1*n2*(n1+n2+1)/12)
	z := math.Abs(u-mu) / sd
	return math.Erfc(z / math.Sqrt2)
}
