package earlystop_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/earlystop"
)

// The documentation's slack-amount example: the best run is at 0.8 at interval 10, so with a
// slack amount of 0.2 a run below 0.6 is stopped.
func ExampleBandit() {
	r := earlystop.Bandit{Schedule: earlystop.Schedule{Interval: 10}, Amount: 0.2}
	trials := []earlystop.Trial{
		{Number: 0, Values: []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0.8}},
		{Number: 1, Running: true, Values: []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0.59}},
		{Number: 2, Running: true, Values: []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0.6}},
	}
	for n := range r.Stop(trials, true, 0) {
		fmt.Println("stop", n)
	}
	// Output:
	// stop 1
}
