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
