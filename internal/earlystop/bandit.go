package earlystop

import "fmt"

// Bandit stops a trial whose best value up to interval k is not within the slack of the best
// value any trial reached by interval k: with Factor, below B/(1+Factor) when maximizing (above
// B·(1+Factor) when minimizing; for a negative B the slack widens the other way, so it always
// allows a worse value); with Amount, below B−Amount (above B+Amount). Exactly one of Factor and
// Amount is used: Amount when Factor is 0.
type Bandit struct {
	Schedule
	Factor, Amount float64
}

// Stop implements Rule.
func (r Bandit) Stop(trials []Trial, maximize bool, protectedBelow int) map[int]string {
	out := map[int]string{}
	candidates(trials, r.Schedule, maximize, protectedBelow, func(t Trial, k int, b float64) {
		top, ok := 0.0, false
		for _, p := range trials {
			if len(p.Values) < k {
				continue
			}
			if v, has := best(p.Values, k, maximize); has && (!ok || better(v, top, maximize)) {
				top, ok = v, true
			}
		}
		if !ok {
			return
		}
		limit, slack := r.threshold(top, maximize)
		if worse(b, limit, maximize) {
			out[t.Number] = fmt.Sprintf("Early termination by the Bandit policy (%s) at interval %d: the run's best primary metric %s is %s %s, the best run's %s within the slack",
				slack, k, num(b), goalWord(maximize), num(limit), num(top))
		}
	})
	return out
}

// threshold is the worst value within the slack of the best value top.
func (r Bandit) threshold(top float64, maximize bool) (float64, string) {
	if r.Factor == 0 {
		if maximize {
			return top - r.Amount, "slack_amount " + num(r.Amount)
		}
		return top + r.Amount, "slack_amount " + num(r.Amount)
	}
	slack := "slack_factor " + num(r.Factor)
	// Moving towards worse: down when maximizing, up when minimizing.
	if (top >= 0) == maximize {
		return top / (1 + r.Factor), slack
	}
	return top * (1 + r.Factor), slack
}
