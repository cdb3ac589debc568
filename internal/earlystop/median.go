package earlystop

import (
	"fmt"
	"math"
	"slices"
)

// MinMedianRuns is how many trials (the one evaluated included) must have reached an interval
// before MedianStopping compares there: azureml does not say; Ray Tune's median stopping rule
// asks for 3 samples.
const MinMedianRuns = 3

// MedianStopping stops a trial whose best value up to interval k is worse than the median of
// the running averages (the mean of values 1..k) of every trial that has reached interval k,
// itself included, once there are at least MinMedianRuns such trials.
type MedianStopping struct {
	Schedule
}

// Stop implements Rule.
func (r MedianStopping) Stop(trials []Trial, maximize bool, protectedBelow int) map[int]string {
	out := map[int]string{}
	candidates(trials, r.Schedule, maximize, protectedBelow, func(t Trial, k int, b float64) {
		var avgs []float64
		for _, p := range trials {
			if len(p.Values) < k {
				continue
			}
			if a, ok := mean(p.Values[:k]); ok {
				avgs = append(avgs, a)
			}
		}
		if len(avgs) < MinMedianRuns {
			return
		}
		m := median(avgs)
		if worse(b, m, maximize) {
			out[t.Number] = fmt.Sprintf("Early termination by the MedianStopping policy at interval %d: the run's best primary metric %s is %s %s, the median of the running averages of %d runs",
				k, num(b), goalWord(maximize), num(m), len(avgs))
		}
	})
	return out
}

func mean(v []float64) (float64, bool) {
	s, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) {
			s, n = s+x, n+1
		}
	}
	return s / float64(n), n > 0
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
