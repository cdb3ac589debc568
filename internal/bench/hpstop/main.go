// Command hpstop measures the early-termination policies (internal/earlystop, the rules behind
// hyperdrive's BanditPolicy, MedianStoppingPolicy and TruncationSelectionPolicy) on synthetic
// learning curves with a known best configuration, against NoTerminationPolicy, in one run.
//
// Each seed is one sweep of -trials trials of -steps steps each (one logged value of the primary
// metric per step, so one interval per step), -concurrency at a time:
//
//   - trial i's curve is final_i·(1−exp(−t/τ_i)) + ε, final_i ~ U(0.5, 0.9), τ_i = 10·(1 ± 20%),
//     ε ~ N(0, 0.01); one trial, at a random position, is the best configuration: its final is
//     0.92 (above every other) and its τ is drawn like the others';
//   - the simulated controller is the sweep's: trials start in number order as slots free up;
//     every tick each running trial logs its next value with its own probability p_i ~ U(0.5, 1)
//     (trials run at different speeds, so they reach an interval at different times, and a
//     trial may be seen having logged nothing since the last look); after each tick the policy
//     is applied to every trial's history (running and finished ones) with protectedBelow =
//     concurrency (the first batch is never stopped), and the trials it returns stop at once;
//     freed slots start the next trials in the same tick;
//   - with -poll p the policy is applied only every p ticks (a slower controller: trials log
//     several values between two looks, and the policy evaluates each at its latest point);
//   - it counts the steps run (logged values) and whether the best configuration ran to the end.
//
// It prints, per policy, the median steps saved against NoTermination and the share of seeds that
// kept the best configuration (targets: Bandit and MedianStopping save ≥ 40 % and keep it in
// ≥ 90 %).
//
//	go run ./internal/bench/hpstop [-seeds 100] [-trials 40] [-steps 100] [-concurrency 4] [-poll 1] [-final-lo 0.1] [-tau 10]
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/amlgo/amlgo/internal/earlystop"
)

var (
	finalLo, tau0 = 0.1, 10.0
	poll          = 1
)

type policy struct {
	name string
	rule earlystop.Rule // nil: no termination
}

func main() {
	seeds := flag.Int("seeds", 100, "sweeps per policy")
	trials := flag.Int("trials", 40, "trials per sweep (max_total_runs)")
	steps := flag.Int("steps", 100, "steps (logged values) per trial")
	conc := flag.Int("concurrency", 4, "max_concurrent_runs")
	flag.IntVar(&poll, "poll", poll, "the controller applies the policy every this many ticks")
	flag.Float64Var(&finalLo, "final-lo", finalLo, "the other trials' finals are U(final-lo, 0.9)")
	flag.Float64Var(&tau0, "tau", tau0, "the curves' time constant τ (each trial's within ±20%)")
	flag.Parse()
	policies := []policy{
		{"NoTermination", nil},
		{"Bandit(slack_factor=0.2, evaluation_interval=1, delay_evaluation=10)", earlystop.Bandit{Schedule: earlystop.Schedule{Interval: 1, Delay: 10}, Factor: 0.2}},
		{"Bandit(slack_factor=0.2, evaluation_interval=1, delay_evaluation=20)", earlystop.Bandit{Schedule: earlystop.Schedule{Interval: 1, Delay: 20}, Factor: 0.2}},
		{"Bandit(slack_factor=0.1, evaluation_interval=1, delay_evaluation=5)", earlystop.Bandit{Schedule: earlystop.Schedule{Interval: 1, Delay: 5}, Factor: 0.1}},
		{"Bandit(slack_amount=0.05, evaluation_interval=1, delay_evaluation=5)", earlystop.Bandit{Schedule: earlystop.Schedule{Interval: 1, Delay: 5}, Amount: 0.05}},
		{"MedianStopping(evaluation_interval=1, delay_evaluation=5)", earlystop.MedianStopping{Schedule: earlystop.Schedule{Interval: 1, Delay: 5}}},
		{"TruncationSelection(20, evaluation_interval=1, delay_evaluation=5)", earlystop.TruncationSelection{Schedule: earlystop.Schedule{Interval: 1, Delay: 5}, Percentage: 20}},
	}
	fmt.Printf("%d sweeps of %d trials × %d steps, %d concurrent, first batch protected, policy applied every %d ticks; finals U(%g, 0.9), τ = %g ± 20%%\n",
		*seeds, *trials, *steps, *conc, poll, finalLo, tau0)
	full := float64(*trials * *steps)
	for _, p := range policies {
		var saved []float64
		kept := 0
		for seed := range *seeds {
			sw := newSweep(uint64(seed), *trials, *steps)
			ran, bestKept := sw.run(p.rule, *conc)
			saved = append(saved, 1-float64(ran)/full)
			if bestKept {
				kept++
			}
		}
		slices.Sort(saved)
		fmt.Printf("  %-70s steps saved median %5.1f%% [min %5.1f%%, max %5.1f%%]  best kept %3d/%d = %5.1f%%\n",
			p.name, 100*saved[len(saved)/2], 100*saved[0], 100*saved[len(saved)-1], kept, *seeds, 100*float64(kept)/float64(*seeds))
	}
}

// sweep is one seed's synthetic trials: each one's curve, speed and the best one's number.
type sweep struct {
	curves [][]float64
	speed  []float64
	best   int
	rng    *rand.Rand
}

func newSweep(seed uint64, n, steps int) *sweep {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := &sweep{curves: make([][]float64, n), speed: make([]float64, n), best: rng.IntN(n)}
	for i := range n {
		final := finalLo + (0.9-finalLo)*rng.Float64()
		if i == s.best {
			final = 0.92
		}
		tau := tau0 * (1 + 0.2*(2*rng.Float64()-1))
		c := make([]float64, steps)
		for t := range c {
			c[t] = final*(1-math.Exp(-float64(t+1)/tau)) + 0.01*rng.NormFloat64()
		}
		s.curves[i], s.speed[i] = c, 0.5+0.5*rng.Float64()
	}
	s.rng = rand.New(rand.NewPCG(seed, 8))
	return s
}

// run simulates the sweep under rule with conc slots and returns the steps run and whether
// the best configuration ran to completion.
func (s *sweep) run(rule earlystop.Rule, conc int) (int, bool) {
	n, steps := len(s.curves), len(s.curves[0])
	logged := make([]int, n)
	state := make([]int, n) // 0 waiting, 1 running, 2 completed, 3 stopped
	next, running, total := 0, 0, 0
	start := func() {
		for running < conc && next < n {
			state[next] = 1
			next, running = next+1, running+1
		}
	}
	start()
	for tick := 1; running > 0; tick++ {
		for i := range n {
			if state[i] == 1 && s.rng.Float64() < s.speed[i] {
				logged[i]++
				total++
				if logged[i] == steps {
					state[i], running = 2, running-1
				}
			}
		}
		if rule != nil && tick%poll == 0 {
			view := make([]earlystop.Trial, 0, next)
			for i := range next {
				view = append(view, earlystop.Trial{Number: i, Running: state[i] == 1, Values: s.curves[i][:logged[i]]})
			}
			for i := range rule.Stop(view, true, conc) {
				state[i], running = 3, running-1
			}
		}
		start()
	}
	return total, state[s.best] == 2
}
