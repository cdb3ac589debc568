package hyperdrive

import "fmt"

// A policy decision: the documentation's example of a Bandit policy with slack factor 0.2 at
// interval 10, where the best run is at 0.8: run 1 (best 0.6) is cancelled, run 2 (0.7) kept.
func ExampleBandit_decision() {
	p, _ := BanditPolicy(&BanditOptions{SlackFactor: 0.2, EvaluationInterval: 10})
	trials := []trialProgress{
		{Number: 0, Values: []float64{0.5, 0.6, 0.6, 0.7, 0.7, 0.7, 0.75, 0.8, 0.8, 0.8}},
		{Number: 1, Running: true, Values: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.6, 0.6, 0.6}},
		{Number: 2, Running: true, Values: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7}},
	}
	for n, reason := range p.newTerminator().stop(trials, Maximize, 0) {
		fmt.Println(n, reason)
	}
	// Output:
	// 1 Early termination by the Bandit policy (slack_factor 0.2) at interval 10: the run's best primary metric 0.6 is below 0.666667, the best run's 0.8 within the slack
}
