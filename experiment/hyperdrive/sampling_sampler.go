package hyperdrive

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

// trials converts the controller's records for the proposers, values oriented so that larger
// is better.
func trials(history []trialRecord, goal PrimaryMetricGoal) ([]hpsearch.Trial, error) {
	if goal != Maximize && goal != Minimize {
		return nil, fmt.Errorf("hyperdrive: The primary metric goal expects either 'maximize' or 'minimize'.%w", wrapOnly{ErrInvalidSpace})
	}
	out := make([]hpsearch.Trial, len(history))
	for i, t := range history {
		v := t.Best
		if goal == Minimize {
			v = -v
		}
		out[i] = hpsearch.Trial{Params: t.Parameters, Terminal: t.Terminal, HasValue: t.HasValue, Value: v}
	}
	return out, nil
}

type randomSampler struct {
	hp   hpsearch.Space
	seed int64
}

func (r *Random) newSampler(seed int64) sampler {
	if r.seed != nil {
		seed = *r.seed
	}
	return randomSampler{hp: r.hp, seed: seed}
}

func (s randomSampler) next(history []trialRecord, goal PrimaryMetricGoal, n int) ([]map[string]any, error) {
	ts, err := trials(history, goal)
	if err != nil || n <= 0 {
		return nil, err
	}
	return hpsearch.Random(s.hp, s.seed, ts, n), nil
}

type gridSampler struct{ hp hpsearch.Space }

func (g *Grid) newSampler(int64) sampler { return gridSampler{hp: g.hp} }

func (s gridSampler) next(history []trialRecord, goal PrimaryMetricGoal, n int) ([]map[string]any, error) {
	ts, err := trials(history, goal)
	if err != nil || n <= 0 {
		return nil, err
	}
	return hpsearch.Grid(s.hp, ts, n), nil
}

type bayesianSampler struct {
	hp   hpsearch.Space
	seed int64
}

func (b *Bayesian) newSampler(seed int64) sampler { return bayesianSampler{hp: b.hp, seed: seed} }

func (s bayesianSampler) next(history []trialRecord, goal PrimaryMetricGoal, n int) ([]map[string]any, error) {
	ts, err := trials(history, goal)
	if err != nil || n <= 0 {
		return nil, err
	}
	return hpsearch.Bayesian(s.hp, s.seed, ts, n)
}
