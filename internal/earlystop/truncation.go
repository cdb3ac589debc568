package earlystop

import (
	"fmt"
	"math"
)

// TruncationSelection stops a trial that ranks in the lowest Percentage percent at interval k:
// the trials that have reached interval k (finished ones too, unless ExcludeFinished), itself
// included, are ranked by their value at interval k (the documentation: "its performance at
// interval 5 is in the lowest 20% of performance of all runs at interval 5"; a NaN there counts
// as the latest earlier value), and with n of them a trial is stopped when its rank (0 = best,
// ties ranked in its favour) is at least ceil(n·(1−Percentage/100)).
type TruncationSelection struct {
	Schedule
	Percentage      int
	ExcludeFinished bool
}

// Stop implements Rule.
func (r TruncationSelection) Stop(trials []Trial, maximize bool, protectedBelow int) map[int]string {
	out := map[int]string{}
	candidates(trials, r.Schedule, maximize, protectedBelow, func(t Trial, k int, _ float64) {
		b, _ := at(t.Values, k)
		n, rank := 0, 0
		for _, p := range trials {
			if len(p.Values) < k || (r.ExcludeFinished && !p.Running && p.Number != t.Number) {
				continue
			}
			v, ok := at(p.Values, k)
			if !ok {
				continue
			}
			n++
			if better(v, b, maximize) {
				rank++
			}
		}
		keep := (n*(100-r.Percentage) + 99) / 100
		if rank >= keep {
			out[t.Number] = fmt.Sprintf("Early termination by the TruncationSelection policy (truncation_percentage %d) at interval %d: the run's primary metric %s ranks %d of %d, in the lowest %d%%",
				r.Percentage, k, num(b), rank+1, n, r.Percentage)
		}
	})
	return out
}

// at returns the value at interval k, or the latest earlier one when it is NaN.
func at(values []float64, k int) (float64, bool) {
	for i := k - 1; i >= 0; i-- {
		if !math.IsNaN(values[i]) {
			return values[i], true
		}
	}
	return 0, false
}
