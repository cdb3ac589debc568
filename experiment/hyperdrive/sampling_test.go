package hyperdrive

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

type space_ = map[string]ParameterExpression

// record turns proposals into the history the controller would pass, values decoded from JSON
// as a resumed controller reads them (float64), results from f.
func record(t *testing.T, cs []map[string]any, from int, f func(map[string]any) float64) []trialRecord {
	t.Helper()
	var out []trialRecord
	for i, c := range cs {
		b, err := json.Marshal(c)
		require.NoError(t, err)
		var back map[string]any
		require.NoError(t, json.Unmarshal(b, &back))
		r := trialRecord{Number: from + i, Parameters: back, Terminal: true}
		if f != nil {
			r.HasValue, r.Best = true, f(c)
		}
		out = append(out, r)
	}
	return out
}

func TestSamplingJSON(t *testing.T) {
	seed := int64(7)
	r, err := RandomParameterSampling(space_{"--lr": LogUniform(-6, -1), "--bs": Choice(16, 32)}, &RandomOptions{Seed: &seed})
	require.NoError(t, err)
	b, err := samplingJSON(r)
	require.NoError(t, err)
	assert.Equal(t, `{"name":"RANDOM","parameter_space":{"--bs":["choice",[[16,32]]],"--lr":["loguniform",[-6,-1]]},"properties":{"seed":7}}`, string(b))
	back, err := samplingFromJSON(b)
	require.NoError(t, err)
	s, ok := back.(*Random).Seed()
	assert.True(t, ok)
	assert.Equal(t, int64(7), s)
	b2, _ := samplingJSON(back)
	assert.Equal(t, string(b), string(b2))

	g, err := GridParameterSampling(space_{"lr": Choice(1, 2, 3), "batch": Choice(8, 9)})
	require.NoError(t, err)
	b, _ = samplingJSON(g)
	assert.Equal(t, `{"name":"GRID","parameter_space":{"batch":["choice",[[8,9]]],"lr":["choice",[[1,2,3]]]}}`, string(b))
	by, err := BayesianParameterSampling(space_{"a": Uniform(0, 1), "b": QUniform(1, 10, 1), "c": Choice("x", "y")})
	require.NoError(t, err)
	b, _ = samplingJSON(by)
	assert.Equal(t, `{"name":"BayesianOptimization","parameter_space":{"a":["uniform",[0,1]],"b":["quniform",[1,10,1]],"c":["choice",[["x","y"]]]}}`, string(b))
	for _, in := range []string{string(b), `{"name":"grid","parameter_space":{"x":["choice",[[1]]]}}`} {
		back, err := samplingFromJSON(json.RawMessage(in))
		require.NoError(t, err, in)
		assert.NotNil(t, back)
	}
}

func TestSamplingErrors(t *testing.T) {
	for _, c := range []struct {
		f    func() error
		want string
	}{
		{func() error { _, err := GridParameterSampling(space_{"a": Uniform(0, 1)}); return err }, "This sampling method expects only the following distributions: [choice]"},
		{func() error { _, err := BayesianParameterSampling(nil); return err }, "BayesianParameterSampling expects parameter_space to not be None or empty."},
		{func() error { _, err := BayesianParameterSampling(space_{"a": Normal(0, 1)}); return err }, "This sampling method expects only the following distributions: [choice, quniform, uniform]"},
		{func() error { _, err := BayesianParameterSampling(space_{"a": QUniform(0.5, 10, 1)}); return err }, "Failed to validate a parameter distribution due to Expected quniform arguments to be int."},
		{func() error { _, err := BayesianParameterSampling(space_{"a": QUniform(0, 200001, 2)}); return err }, "Failed to validate a parameter distribution due to Too many discrete points for quniform distribution. Use larger q or uniform instead."},
		{func() error { _, err := BayesianParameterSampling(space_{"a": Choice(1, "x")}); return err }, "Failed to validate a parameter distribution due to Either all or none of the 'choice' values should be 'str' type."},
		{func() error { _, err := BayesianParameterSampling(space_{"a": Choice(true, false)}); return err }, "Failed to validate a parameter distribution due to 'choice' values should be 'int', 'string' or 'float'."},
		{func() error { _, err := RandomParameterSampling(space_{"a": RandInt(-1)}, nil); return err }, "randint expects a positive number as input"},
		{func() error { _, err := RandomParameterSampling(space_{"": RandInt(1)}, nil); return err }, "a parameter name must not be empty"},
		{func() error { _, err := samplingFromJSON(json.RawMessage(`[1]`)); return err }, "Expected type dict for dict_sampling but got [Scrubbed]"},
		{func() error { _, err := samplingFromJSON(json.RawMessage(`{"parameter_space":{}}`)); return err }, "Could not find name in dict_sampling"},
		{func() error { _, err := samplingFromJSON(json.RawMessage(`{"name":"RANDOM"}`)); return err }, "Could not find parameter_space in dict_sampling"},
		{func() error {
			_, err := samplingFromJSON(json.RawMessage(`{"name":"SOBOL","parameter_space":{}}`))
			return err
		}, "Failed to rehydrate run due to unknown sampling method."},
	} {
		err := c.f()
		require.Error(t, err, c.want)
		assert.Equal(t, "hyperdrive: "+c.want, err.Error())
		assert.True(t, errors.Is(err, ErrInvalidSpace), c.want)
	}
	_, err := BayesianParameterSampling(space_{})
	assert.NoError(t, err, "an empty space passes, as in azureml")
}

// Random sampling is a function of the seed and the history; a finite space is sampled without
// replacement and then exhausted.
func TestRandomSampling(t *testing.T) {
	r, err := RandomParameterSampling(space_{"a": Choice(1, 2, 3), "b": RandInt(2)}, nil)
	require.NoError(t, err)
	first, err := r.newSampler(5).next(nil, Maximize, 4)
	require.NoError(t, err)
	again, _ := r.newSampler(5).next(nil, Maximize, 4)
	assert.Equal(t, first, again, "same seed, same history, same proposals")
	history := record(t, first, 0, nil)
	rest, _ := r.newSampler(5).next(history, Maximize, 10)
	assert.Len(t, rest, 2, "6 configurations in all")
	seen := map[string]bool{}
	for _, c := range append(first, rest...) {
		k := fmt.Sprint(c["a"], c["b"])
		assert.False(t, seen[k], "configuration %s proposed twice", k)
		seen[k] = true
	}
	none, _ := r.newSampler(5).next(append(history, record(t, rest, 4, nil)...), Maximize, 3)
	assert.Empty(t, none, "exhausted")

	// Quantized spaces are finite too: every point once, then none.
	for _, c := range []struct {
		e    ParameterExpression
		want []float64
	}{
		{QUniform(0, 10, 1), []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{QUniform(0, 10, 3), []float64{0, 3, 6, 9}},
		{QLogUniform(0, 2, 1), []float64{1, 2, 3, 4, 5, 6, 7}},
	} {
		q, err := RandomParameterSampling(space_{"q": c.e}, nil)
		require.NoError(t, err)
		cs, _ := q.newSampler(1).next(nil, Maximize, 50)
		var got []float64
		for _, x := range cs {
			got = append(got, x["q"].(float64))
		}
		assert.ElementsMatch(t, c.want, got, c.e.String())
	}

	dup, err := RandomParameterSampling(space_{"a": Choice(1, 1.0, 2)}, nil)
	require.NoError(t, err)
	both, _ := dup.newSampler(1).next(nil, Maximize, 5)
	assert.Len(t, both, 2, "1 and 1.0 are one value")

	seed := int64(11)
	c, err := RandomParameterSampling(space_{"x": Uniform(0, 1)}, &RandomOptions{Seed: &seed})
	require.NoError(t, err)
	a, _ := c.newSampler(1).next(nil, Maximize, 3)
	b, _ := c.newSampler(2).next(nil, Maximize, 3)
	assert.Equal(t, a, b, "the sampling's own seed wins over the controller's")
	one, _ := c.newSampler(1).next(nil, Maximize, 1)
	assert.Equal(t, a[:1], one, "the first of three is the one of one")
	d, _ := RandomParameterSampling(space_{"x": Uniform(0, 1)}, nil)
	x1, _ := d.newSampler(1).next(nil, Maximize, 3)
	x2, _ := d.newSampler(2).next(nil, Maximize, 3)
	assert.NotEqual(t, x1, x2)
	_, err = RandomParameterSampling(space_{"x": Uniform(0, 1)}, &RandomOptions{Seed: &seed, Properties: map[string]any{"seed": 3}})
	assert.ErrorIs(t, err, ErrInvalidSpace)
	_, err = d.newSampler(1).next(nil, "up", 1)
	assert.EqualError(t, err, "hyperdrive: The primary metric goal expects either 'maximize' or 'minimize'.")
}

func TestGridSampling(t *testing.T) {
	g, err := GridParameterSampling(space_{"lr": Choice(1, 2, 3), "batch": Choice(8, 9)})
	require.NoError(t, err)
	s := g.newSampler(0)
	cs, err := s.next(nil, Minimize, 4)
	require.NoError(t, err)
	want := []map[string]any{{"batch": int64(8), "lr": int64(1)}, {"batch": int64(8), "lr": int64(2)}, {"batch": int64(8), "lr": int64(3)}, {"batch": int64(9), "lr": int64(1)}}
	assert.Equal(t, want, cs, "row-major in key order: the last key varies fastest")
	rest, _ := s.next(record(t, cs, 0, nil), Minimize, 10)
	assert.Equal(t, []map[string]any{{"batch": int64(9), "lr": int64(2)}, {"batch": int64(9), "lr": int64(3)}}, rest)
	none, _ := s.next(record(t, append(cs, rest...), 0, nil), Minimize, 1)
	assert.Empty(t, none)
}

// Bayesian sampling finds the optimum of a smooth function far better than chance, proposes
// distinct configurations for concurrent trials, and is reproducible.
func TestBayesianSampling(t *testing.T) {
	f := func(c map[string]any) float64 {
		x, _ := hpsearch.Number(c["x"])
		y, _ := hpsearch.Number(c["y"])
		k, _ := hpsearch.Number(c["k"])
		bonus := map[string]float64{"a": 0, "b": 0.5, "c": 0.1}[c["m"].(string)]
		return -(x-0.3)*(x-0.3) - (y-7)*(y-7)/100 - (k-4)*(k-4)/50 + bonus
	}
	sp := space_{"x": Uniform(0, 1), "y": Uniform(0, 10), "k": QUniform(0, 10, 1), "m": Choice("a", "b", "c")}
	b, err := BayesianParameterSampling(sp)
	require.NoError(t, err)
	var history []trialRecord
	for len(history) < 30 {
		cs, err := b.newSampler(3).next(history, Maximize, 2)
		require.NoError(t, err)
		require.Len(t, cs, 2)
		assert.NotEqual(t, cs[0], cs[1], "concurrent proposals differ")
		history = append(history, record(t, cs, len(history), f)...)
	}
	best := math.Inf(-1)
	for _, h := range history {
		best = math.Max(best, h.Best)
	}
	assert.Greater(t, best, 0.5-0.02, "the optimum is 0.5 at x=0.3, y=7, k=4, m=b")

	// Minimizing the negated function finds the same optimum.
	var hist2 []trialRecord
	for len(hist2) < 30 {
		cs, _ := b.newSampler(3).next(hist2, Minimize, 3)
		hist2 = append(hist2, record(t, cs, len(hist2), func(c map[string]any) float64 { return -f(c) })...)
	}
	low := math.Inf(1)
	for _, h := range hist2 {
		low = math.Min(low, h.Best)
	}
	assert.Less(t, low, -0.5+0.02)

	a1, _ := b.newSampler(9).next(history[:12], Maximize, 3)
	a2, _ := b.newSampler(9).next(history[:12], Maximize, 3)
	assert.Equal(t, a1, a2, "stateless: same seed and history, same proposals")

	// Pending trials are proposed around, not on.
	pending := append(append([]trialRecord(nil), history[:12]...), trialRecord{Number: 12, Parameters: a1[0]})
	a3, _ := b.newSampler(9).next(pending, Maximize, 1)
	assert.NotEqual(t, a1[0], a3[0])

	// A small finite space is exhausted without repeats.
	fin, _ := BayesianParameterSampling(space_{"k": QUniform(0, 4, 1), "m": Choice("a", "b")})
	var fh []trialRecord
	for range 6 {
		cs, _ := fin.newSampler(1).next(fh, Maximize, 2)
		fh = append(fh, record(t, cs, len(fh), func(c map[string]any) float64 { k, _ := hpsearch.Number(c["k"]); return k })...)
	}
	assert.Len(t, fh, 10)
	seen := map[string]bool{}
	for _, h := range fh {
		k := fmt.Sprint(h.Parameters["k"], h.Parameters["m"])
		assert.False(t, seen[k], k)
		seen[k] = true
	}
}
