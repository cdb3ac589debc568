package hyperdrive

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A resumed sweep rebuilds its sampling from the generator_config and reads the trials' values
// back from JSON (as json.Number when decoded with UseNumber): a new sampler then proposes what
// the first process's would have.
func TestSamplersResume(t *testing.T) {
	ps := space_{"lr": Choice(0.01, 0.1, 1), "units": QUniform(8, 64, 8), "opt": Choice("adam", "sgd"), "drop": Uniform(0, 0.5)}
	seed := int64(3)
	r, err := RandomParameterSampling(ps, &RandomOptions{Seed: &seed})
	require.NoError(t, err)
	b, err := BayesianParameterSampling(ps)
	require.NoError(t, err)
	g, err := GridParameterSampling(space_{"lr": Choice(0.01, 0.1, 1), "opt": Choice("adam", "sgd")})
	require.NoError(t, err)
	for _, s := range []Sampling{r, b, g} {
		first := s.newSampler(42)
		var native []trialRecord
		for len(native) < 9 {
			cs, err := first.next(native, Minimize, 2)
			require.NoError(t, err)
			if len(cs) == 0 {
				break
			}
			for _, c := range cs {
				native = append(native, trialRecord{Number: len(native), Parameters: c, Terminal: true, HasValue: true, Best: float64(len(native)%4) / 3})
			}
		}
		raw, err := samplingJSON(s)
		require.NoError(t, err)
		again, err := samplingFromJSON(raw)
		require.NoError(t, err, s.Name())
		var decoded []trialRecord
		for _, h := range native {
			js, _ := json.Marshal(h.Parameters)
			d := json.NewDecoder(bytes.NewReader(js))
			d.UseNumber()
			var p map[string]any
			require.NoError(t, d.Decode(&p))
			h.Parameters = p
			decoded = append(decoded, h)
		}
		want, err := first.next(native, Minimize, 3)
		require.NoError(t, err)
		got, err := again.newSampler(42).next(decoded, Minimize, 3)
		require.NoError(t, err)
		assert.Equal(t, want, got, s.Name())
	}
}
