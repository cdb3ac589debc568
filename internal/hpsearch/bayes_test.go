package hpsearch

import (
	"math"
	"testing"
)

// The GP interpolates what it was fitted to and is uncertain away from it.
func TestGPFit(t *testing.T) {
	var x [][]float64
	var y []float64
	for i := range 8 {
		v := float64(i) / 7
		x, y = append(x, []float64{v}), append(y, math.Sin(6*v))
	}
	g := fitGP(x, y, rngFor(1, 0, 0))
	for i, p := range x {
		mu, sd := g.predict(p)
		if got := mu*g.scale + g.mean; math.Abs(got-y[i]) > 0.05 {
			t.Errorf("at %v: mean %v, want %v", p, got, y[i])
		}
		if sd > 0.1 {
			t.Errorf("at %v: sd %v at a fitted point", p, sd)
		}
	}
	if _, sd := g.predict([]float64{1.5}); sd < 0.3 {
		t.Errorf("sd %v far from the data", sd)
	}
}

// Unbounded distributions are refused.
func TestBayesianUnbounded(t *testing.T) {
	_, err := Bayesian(Space{{Name: "x", Dist: Dist{Kind: Normal, Args: []float64{0, 1}}}}, 1, nil, 1)
	if err == nil {
		t.Fatal("no error")
	}
}

// The model keeps the best half and the most recent of a long history.
func TestModelSubset(t *testing.T) {
	var x [][]float64
	var y []float64
	for i := range 500 {
		x, y = append(x, []float64{float64(i)}), append(y, float64((i*37)%500))
	}
	sx, sy := modelSubset(x, y)
	if len(sx) != maxModelPoints || len(sy) != maxModelPoints {
		t.Fatalf("%d points", len(sx))
	}
	best := 0
	for _, v := range sy {
		if v >= 400 {
			best++
		}
	}
	if best != 100 {
		t.Errorf("%d of the best 100 kept", best)
	}
	if sx[len(sx)-1][0] != 499 {
		t.Errorf("the last trial is not kept")
	}
}

// BenchmarkBayesianLongHistory is one proposal after 1000 trials (max_total_runs' limit) in 6
// dimensions, with 19 pending.
func BenchmarkBayesianLongHistory(b *testing.B) {
	space := make(Space, 6)
	for i := range space {
		space[i] = Param{Name: string(rune('a' + i)), Dist: Dist{Kind: Uniform, Args: []float64{0, 1}}}
	}
	rng := rngFor(1, 0, 9)
	var hist []Trial
	for i := range 1000 {
		c := map[string]any{}
		s := 0.0
		for _, p := range space {
			v := rng.Float64()
			c[p.Name], s = v, s+(v-0.3)*(v-0.3)
		}
		hist = append(hist, Trial{Params: c, Terminal: i < 981, HasValue: i < 981, Value: -s})
	}
	for b.Loop() {
		if _, err := Bayesian(space, 1, hist, 1); err != nil {
			b.Fatal(err)
		}
	}
}
