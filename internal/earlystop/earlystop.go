// Package earlystop decides which running trials of a sweep to stop early: the rules of
// azureml's Bandit, MedianStopping and TruncationSelection policies as pure functions of every
// trial's metric history. experiment/hyperdrive maps its policies onto these rules.
//
// A trial is evaluated at its latest evaluation point: the largest k, not above the number of
// values it has logged, with k a multiple of the evaluation interval and k ≥ the delay (and ≥ 1).
// Evaluating at the latest point rather than only at the exact one keeps a decision from being
// lost when a trial logs two values between two calls. Runs are compared at equal training
// time: a peer takes part at interval k only once it has logged k values, with its values 1..k.
package earlystop

import (
	"math"
	"strconv"
)

// Trial is what a rule sees of one trial: its number, whether it is still running, and the
// primary metric's values in the order logged (value k is interval k, counting from 1).
type Trial struct {
	Number  int
	Running bool
	Values  []float64
}

// Rule is an early-termination rule.
type Rule interface {
	// Stop returns the running trials to stop, numbered at least protectedBelow, each with the
	// reason, given every trial (finished ones included) and whether larger values are better.
	Stop(trials []Trial, maximize bool, protectedBelow int) map[int]string
}

// Schedule is when a rule looks at a trial: every Interval values (0 means 1) from the Delay-th on.
type Schedule struct {
	Interval int
	Delay    int
}

// point returns the interval at which a trial that has logged n values is evaluated, or 0.
func (s Schedule) point(n int) int {
	iv := max(s.Interval, 1)
	k := n - n%iv
	if k < max(s.Delay, 1) {
		return 0
	}
	return k
}

// best returns the best of values[:k] (NaN values skipped) and whether there is one.
func best(values []float64, k int, maximize bool) (float64, bool) {
	b, ok := 0.0, false
	for _, v := range values[:k] {
		if math.IsNaN(v) {
			continue
		}
		if !ok || better(v, b, maximize) {
			b, ok = v, true
		}
	}
	return b, ok
}

func better(a, b float64, maximize bool) bool {
	if maximize {
		return a > b
	}
	return a < b
}

// candidates calls f for every trial the rule may stop: running, numbered at least
// protectedBelow, with an evaluation point k and a best value up to k.
func candidates(trials []Trial, s Schedule, maximize bool, protectedBelow int, f func(t Trial, k int, b float64)) {
	for _, t := range trials {
		if !t.Running || t.Number < protectedBelow {
			continue
		}
		k := s.point(len(t.Values))
		if k == 0 {
			continue
		}
		if b, ok := best(t.Values, k, maximize); ok {
			f(t, k, b)
		}
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

func goalWord(maximize bool) string {
	if maximize {
		return "below"
	}
	return "above"
}

// worse reports whether v is worse than limit by more than rounding: 0.8−0.2 is
// 0.6000000000000001 in floating point, and a run at 0.6 is within that slack.
func worse(v, limit float64, maximize bool) bool {
	tol := 1e-12 * math.Max(1, math.Max(math.Abs(v), math.Abs(limit)))
	if maximize {
		return v < limit-tol
	}
	return v > limit+tol
}
