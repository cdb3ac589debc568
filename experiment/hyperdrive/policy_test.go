package hyperdrive

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// curve is a run's values: v at every interval up to n.
func curve(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// must returns p, panicking on err (the constructors' arguments in these tests are valid).
func must[P Policy](p P, err error) P {
	if err != nil {
		panic(err)
	}
	return p
}

// The documentation's Bandit examples: the best run is at 0.8 at interval 10; with slack factor
// 0.2 any run whose best is below 0.8/1.2 = 0.666… is cancelled, with slack amount 0.2 any run
// below 0.6.
func TestBanditDocExamples(t *testing.T) {
	factor := must(BanditPolicy(&BanditOptions{SlackFactor: 0.2, EvaluationInterval: 10}))
	trials := []trialProgress{
		{Number: 0, Running: false, Values: curve(10, 0.8)},
		{Number: 1, Running: true, Values: curve(10, 0.66)},
		{Number: 2, Running: true, Values: curve(10, 0.67)},
		{Number: 3, Running: true, Values: curve(9, 0.1)}, // not yet at interval 10
	}
	got := factor.newTerminator().stop(trials, Maximize, 0)
	assert.Equal(t, []int{1}, keys(got))
	assert.Equal(t, "Early termination by the Bandit policy (slack_factor 0.2) at interval 10: the run's best primary metric 0.66 is below 0.666667, the best run's 0.8 within the slack", got[1])

	amount := must(BanditPolicy(&BanditOptions{SlackAmount: 0.2, EvaluationInterval: 10}))
	trials[1].Values, trials[2].Values = curve(10, 0.59), curve(10, 0.6)
	assert.Equal(t, []int{1}, keys(amount.newTerminator().stop(trials, Maximize, 0)), "0.6 is within 0.8−0.2")

	// Minimizing mirrors it: the best loss is 0.5, factor 0.2 keeps up to 0.6.
	min := []trialProgress{
		{Number: 0, Values: curve(10, 0.5)},
		{Number: 1, Running: true, Values: curve(10, 0.61)},
		{Number: 2, Running: true, Values: curve(10, 0.6)},
	}
	assert.Equal(t, []int{1}, keys(factor.newTerminator().stop(min, Minimize, 0)))
	// A negative metric: the slack still allows a worse value (maximizing −loss, the best at
	// −0.5 keeps down to −0.6; minimizing a negative score, the best at −1 keeps up to −1/1.2).
	neg := []trialProgress{
		{Number: 0, Values: curve(10, -0.5)},
		{Number: 1, Running: true, Values: curve(10, -0.61)},
		{Number: 2, Running: true, Values: curve(10, -0.59)},
	}
	assert.Equal(t, []int{1}, keys(factor.newTerminator().stop(neg, Maximize, 0)))
	negMin := []trialProgress{
		{Number: 0, Values: curve(10, -1)},
		{Number: 1, Running: true, Values: curve(10, -0.8)},
		{Number: 2, Running: true, Values: curve(10, -0.85)},
	}
	assert.Equal(t, []int{1}, keys(factor.newTerminator().stop(negMin, Minimize, 0)))
	// The first batch is never stopped.
	assert.Empty(t, factor.newTerminator().stop(min, Minimize, 2))
	// Only running trials are returned.
	min[1].Running = false
	assert.Empty(t, factor.newTerminator().stop(min, Minimize, 0))
}

func keys(m map[int]string) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	if len(out) > 1 {
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if out[j] < out[i] {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
	}
	return out
}

// "If delay_evaluation = 200, then the first time the policy will be applied is at interval
// 200"; with (1, 5) a run is looked at from its 5th value on.
func TestPolicySchedule(t *testing.T) {
	p := must(BanditPolicy(&BanditOptions{SlackFactor: 0.2, EvaluationInterval: 100, DelayEvaluation: 200}))
	at := func(n int) map[int]string {
		return p.newTerminator().stop([]trialProgress{
			{Number: 0, Values: curve(400, 0.8)},
			{Number: 1, Running: true, Values: curve(n, 0.1)},
		}, Maximize, 0)
	}
	assert.Empty(t, at(100))
	assert.Empty(t, at(199))
	assert.Contains(t, at(200)[1], "at interval 200")
	assert.Contains(t, at(299)[1], "at interval 200", "the latest evaluation point")
	assert.Contains(t, at(300)[1], "at interval 300")

	m := must(MedianStoppingPolicy(&PolicyOptions{EvaluationInterval: 1, DelayEvaluation: 5}))
	peers := []trialProgress{{Number: 0, Values: curve(10, 0.9)}, {Number: 1, Values: curve(10, 0.8)}}
	for n, want := range map[int]bool{4: false, 5: true, 6: true} {
		got := m.newTerminator().stop(append(peers, trialProgress{Number: 2, Running: true, Values: curve(n, 0.1)}), Maximize, 0)
		assert.Equal(t, want, len(got) == 1, "n=%d", n)
	}
}

// MedianStopping: cancel at N when the run's best up to N is worse than the median of the
// running averages over 1..N.
func TestMedianStoppingRule(t *testing.T) {
	m := must(MedianStoppingPolicy(nil))
	trials := []trialProgress{
		{Number: 0, Values: []float64{0.5, 0.6, 0.7}},                 // average 0.6
		{Number: 1, Values: []float64{0.3, 0.5, 0.7, 0.9}},            // average over 1..3: 0.5
		{Number: 2, Running: true, Values: []float64{0.2, 0.4, 0.45}}, // best 0.45, average 0.35
		{Number: 3, Running: true, Values: []float64{0.1, 0.2, 0.55}}, // best 0.55
	}
	// Averages at 3: 0.6, 0.5, 0.35, 0.2(6); median (0.5+0.35)/2 = 0.425: run 2 at 0.45 and run 3
	// at 0.55 are kept.
	assert.Empty(t, m.newTerminator().stop(trials, Maximize, 0))
	trials[2].Values = []float64{0.2, 0.3, 0.4}
	// Averages 0.6, 0.5, 0.3, 0.2(6): median 0.4; run 2's best 0.4 is not worse, run 3's 0.55 neither.
	assert.Empty(t, m.newTerminator().stop(trials, Maximize, 0))
	trials[2].Values = []float64{0.2, 0.3, 0.35}
	got := m.newTerminator().stop(trials, Maximize, 0)
	assert.Equal(t, []int{2}, keys(got))
	assert.Contains(t, got[2], "the median of the running averages of 4 runs")
	// Fewer than three runs at the interval: no decision.
	assert.Empty(t, m.newTerminator().stop(trials[1:3], Maximize, 0))
}

// TruncationSelection with 20%: of five runs at interval N, the lowest is cancelled; a young run
// is compared with the others' values up to its own interval.
func TestTruncationSelectionRule(t *testing.T) {
	p := must(TruncationSelectionPolicy(20, nil))
	trials := []trialProgress{
		{Number: 0, Values: []float64{0.5, 0.9, 0.95}},
		{Number: 1, Values: []float64{0.4, 0.6}},
		{Number: 2, Running: true, Values: []float64{0.3, 0.45}},
		{Number: 3, Running: true, Values: []float64{0.2, 0.7}},
		{Number: 4, Running: true, Values: []float64{0.1, 0.8}},
	}
	got := p.newTerminator().stop(trials, Maximize, 0)
	assert.Equal(t, []int{2}, keys(got))
	assert.Contains(t, got[2], "ranks 5 of 5, in the lowest 20%")
	assert.Empty(t, p.newTerminator().stop(trials, Maximize, 3), "run 2 is in the first batch")
	// With 4 runs at the interval 20% truncates ceil(4·0.8) = 4 kept: nobody.
	assert.Empty(t, p.newTerminator().stop(trials[1:], Maximize, 0))
	// Minimizing, the lowest loss is best: at interval 2 the highest best loss is run 0's 0.5.
	trials[0].Running, trials[0].Values = true, []float64{0.5, 0.9}
	assert.Equal(t, []int{0}, keys(p.newTerminator().stop(trials, Minimize, 0)))
}

// The documentation's example: TruncationSelection(20, 1, 5) "is applied at every interval
// starting at evaluation interval 5. A run will be terminated at interval 5 if its performance
// at interval 5 is in the lowest 20% of performance of all runs at interval 5".
func TestTruncationSelectionDocExample(t *testing.T) {
	p := must(TruncationSelectionPolicy(20, &PolicyOptions{EvaluationInterval: 1, DelayEvaluation: 5}))
	// Run 4 peaked early (0.9 at interval 1) but is the lowest at interval 5.
	trials := []trialProgress{
		{Number: 0, Values: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}},
		{Number: 1, Values: []float64{0.1, 0.2, 0.3, 0.4, 0.6}},
		{Number: 2, Running: true, Values: []float64{0.1, 0.2, 0.3, 0.4, 0.7}},
		{Number: 3, Running: true, Values: []float64{0.1, 0.2, 0.3, 0.4, 0.8}},
		{Number: 4, Running: true, Values: []float64{0.9, 0.2, 0.3, 0.4, 0.45}},
	}
	assert.Empty(t, p.newTerminator().stop(trials[:4], Maximize, 0), "4 runs: ceil(4·0.8) = 4 kept")
	got := p.newTerminator().stop(trials, Maximize, 0)
	assert.Equal(t, []int{4}, keys(got))
	assert.Equal(t, "Early termination by the TruncationSelection policy (truncation_percentage 20) at interval 5: the run's primary metric 0.45 ranks 5 of 5, in the lowest 20%", got[4])
	trials[4].Values = trials[4].Values[:4]
	assert.Empty(t, p.newTerminator().stop(trials, Maximize, 0), "not before interval 5")
}

func TestNoTermination(t *testing.T) {
	p := NoTerminationPolicy()
	assert.Empty(t, p.newTerminator().stop([]trialProgress{{Number: 5, Running: true, Values: curve(10, -1e9)}}, Maximize, 0))
}

func TestPolicyJSON(t *testing.T) {
	for _, c := range []struct {
		p    Policy
		want string
	}{
		{must(BanditPolicy(&BanditOptions{SlackFactor: 0.1, DelayEvaluation: 5})), `{"name":"Bandit","properties":{"evaluation_interval":1,"delay_evaluation":5,"slack_factor":0.1}}`},
		{must(BanditPolicy(&BanditOptions{SlackAmount: 0.2, EvaluationInterval: 2})), `{"name":"Bandit","properties":{"evaluation_interval":2,"delay_evaluation":0,"slack_amount":0.2}}`},
		{must(MedianStoppingPolicy(&PolicyOptions{EvaluationInterval: 1, DelayEvaluation: 5})), `{"name":"MedianStopping","properties":{"evaluation_interval":1,"delay_evaluation":5}}`},
		{must(TruncationSelectionPolicy(20, nil)), `{"name":"TruncationSelection","properties":{"evaluation_interval":1,"delay_evaluation":0,"truncation_percentage":20,"exclude_finished_jobs":false}}`},
		{NoTerminationPolicy(), `{"name":"Default"}`},
	} {
		b, err := policyJSON(c.p)
		require.NoError(t, err)
		assert.Equal(t, c.want, string(b))
		back, err := policyFromJSON(b)
		require.NoError(t, err, c.want)
		assert.Equal(t, c.p, back)
	}
	b, _ := policyJSON(nil)
	assert.Equal(t, `{"name":"Default"}`, string(b))
}

func TestPolicyErrors(t *testing.T) {
	for _, c := range []struct {
		f    func() error
		want string
	}{
		{func() error { _, err := BanditPolicy(nil); return err }, "Bandit termination policy expects exactly one of slack factor or slack amount to be set."},
		{func() error { _, err := BanditPolicy(&BanditOptions{SlackFactor: 0.1, SlackAmount: 0.1}); return err }, "Bandit termination policy expects exactly one of slack factor or slack amount to be set."},
		{func() error { _, err := BanditPolicy(&BanditOptions{SlackFactor: -1}); return err }, "Bandit termination policy expects a finite, non negative slack, not -1"},
		{func() error { _, err := MedianStoppingPolicy(&PolicyOptions{EvaluationInterval: -1}); return err }, "evaluation_interval expects a positive int"},
		{func() error { _, err := MedianStoppingPolicy(&PolicyOptions{DelayEvaluation: -1}); return err }, "delay_evaluation expects a non negative int"},
		{func() error { _, err := TruncationSelectionPolicy(0, nil); return err }, "truncation_percentage expects value to be between 1 and 99."},
		{func() error { _, err := TruncationSelectionPolicy(100, nil); return err }, "truncation_percentage expects value to be between 1 and 99."},
		{func() error { _, err := policyFromJSON(json.RawMessage(`"x"`)); return err }, "Expected type dict for dict_policy but got [Scrubbed]"},
		{func() error { _, err := policyFromJSON(json.RawMessage(`{}`)); return err }, "Could not find name in dict_policy"},
		{func() error { _, err := policyFromJSON(json.RawMessage(`{"name":"ASHA"}`)); return err }, "Unknown policy ASHA."},
		{func() error { _, err := policyFromJSON(json.RawMessage(`{"name":"Bandit"}`)); return err }, "Could not find properties in dict_policy"},
		{func() error {
			_, err := policyFromJSON(json.RawMessage(`{"name":"MedianStopping","properties":{"evaluation_interval":1.5,"delay_evaluation":0}}`))
			return err
		}, "Expected type int for evaluation_interval but got [Scrubbed]"},
	} {
		err := c.f()
		require.Error(t, err, c.want)
		assert.Equal(t, "hyperdrive: "+c.want, err.Error())
		assert.True(t, errors.Is(err, ErrInvalidPolicy))
	}
}
