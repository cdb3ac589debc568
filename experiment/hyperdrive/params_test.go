package hyperdrive

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

// The wire JSON azureml-train-core 1.50 writes for each expression (json.dumps of its list, with
// the separators compacted; Python ints and Go's integral float64 are both written without ".0").
func TestParameterExpressionJSON(t *testing.T) {
	for _, c := range []struct {
		e    ParameterExpression
		want string
	}{
		{Choice(16, 32, 64), `["choice",[[16,32,64]]]`},
		{Choice([]int{0, 1, 2}), `["choice",[[0,1,2]]]`},
		{Choice("adam", "sgd"), `["choice",[["adam","sgd"]]]`},
		{Choice([]any{0.5, "x", true}), `["choice",[[0.5,"x",true]]]`},
		{RandInt(10), `["randint",[10]]`},
		{Uniform(0.0005, 0.005), `["uniform",[0.0005,0.005]]`},
		{QUniform(0, 10, 2), `["quniform",[0,10,2]]`},
		{LogUniform(-6, -1), `["loguniform",[-6,-1]]`},
		{QLogUniform(0, 5, 1), `["qloguniform",[0,5,1]]`},
		{Normal(10, 3), `["normal",[10,3]]`},
		{QNormal(10, 3, 2), `["qnormal",[10,3,2]]`},
		{LogNormal(0, 1.5), `["lognormal",[0,1.5]]`},
		{QLogNormal(1, 0.5, 3), `["qlognormal",[1,0.5,3]]`},
	} {
		require.NoError(t, c.e.Err(), c.want)
		b, err := json.Marshal(c.e)
		require.NoError(t, err)
		assert.Equal(t, c.want, string(b))
		assert.Equal(t, c.want, c.e.String())
		var back ParameterExpression
		require.NoError(t, json.Unmarshal([]byte(c.want), &back), c.want)
		b2, _ := json.Marshal(back)
		assert.Equal(t, c.want, string(b2), "round trip")
	}
}

// azureml's messages for invalid arguments, and amlgo's for what azureml lets through.
func TestParameterExpressionErrors(t *testing.T) {
	for _, c := range []struct {
		e    ParameterExpression
		want string
	}{
		{Choice(), "Please specify an input for choice."},
		{Choice([]int{}), choiceShape},
		{Choice([]int{1}, 2), choiceShape},
		{Choice(struct{}{}), "choice expects values that are numbers, strings or booleans, not struct {}"},
		{RandInt(0), "randint expects a positive number as input"},
		{Uniform(1, 1), "uniform expects min_value < max_value"},
		{QUniform(2, 1, 1), "quniform expects min_value < max_value"},
		{QUniform(1, 2, 0), "quniform expects q to be a positive int"},
		{LogUniform(2, 1), "loguniform expects min_value <= max_value"},
		{QLogUniform(2, 1, 1), "qloguniform expects min_value <= max_value"},
		{Normal(0, -1), "normal expects sigma to be non negative"},
		{QNormal(0, -1, 1), "qnormal expects sigma to be non negative"},
		{LogNormal(0, -1), "lognormal expects sigma to be non negative"},
		{QLogNormal(0, -1, 1), "qlognormal expects sigma to be non negative"},
		{Uniform(math.NaN(), 1), "uniform expects min_value to be a finite float"},
		{Normal(0, math.Inf(1)), "normal expects sigma to be a finite float"},
		{ParameterExpression{}, "empty parameter expression: build it with Choice, RandInt, Uniform, …"},
	} {
		err := c.e.Err()
		require.Error(t, err, c.want)
		assert.Equal(t, "hyperdrive: "+c.want, err.Error())
		assert.True(t, errors.Is(err, ErrInvalidSpace))
		_, err = json.Marshal(c.e)
		assert.Error(t, err)
	}
	assert.NoError(t, LogUniform(1, 1).Err(), "loguniform allows min_value == max_value")
	for _, c := range []struct{ in, want string }{
		{`["randint",[2.0]]`, "randint expects a positive number as input"},
		{`["quniform",[0,10,2.5]]`, "quniform expects q to be an int"},
		{`["uniform",["a",1]]`, "uniform expects min_value to be a float"},
		{`["normal",[0,"s"]]`, "normal expects sigma to be a float"},
		{`["beta",[1,2]]`, `unknown parameter expression "beta"`},
		{`["uniform",[1]]`, "uniform expects 2 arguments, not 1"},
		{`{"uniform":1}`, `a parameter expression is [name, [arguments]], not {"uniform":1}`},
	} {
		var e ParameterExpression
		err := json.Unmarshal([]byte(c.in), &e)
		require.Error(t, err, c.in)
		assert.Equal(t, "hyperdrive: "+c.want, err.Error())
	}
}

func TestParameterExpressionArgs(t *testing.T) {
	assert.Equal(t, []any{int64(1), "a", 2.5, true}, Choice(1, "a", float32(2.5), true).Args())
	assert.Equal(t, []any{int64(7)}, RandInt(7).Args())
	assert.Equal(t, []any{0.0, 10.0, int64(2)}, QUniform(0, 10, 2).Args())
	assert.Equal(t, "qnormal", QNormal(0, 1, 1).Name())
}

// The q forms round half to even (numpy's round), and the log forms exponentiate the bounds.
func TestDrawMath(t *testing.T) {
	assert.Equal(t, 2.0, hpsearch.Quantize(2.5, 1))
	assert.Equal(t, 4.0, hpsearch.Quantize(3.5, 1))
	assert.Equal(t, 4.0, hpsearch.Quantize(5, 2), "5/2 = 2.5 rounds to 2")
	assert.Equal(t, 12.0, hpsearch.Quantize(10.5, 3), "10.5/3 = 3.5 rounds to 4")
	assert.Equal(t, -0.0, hpsearch.Quantize(-0.5, 1))

	draws := func(e ParameterExpression, n int) []float64 {
		s, err := RandomParameterSampling(map[string]ParameterExpression{"x": e}, nil)
		require.NoError(t, err)
		cs, err := s.newSampler(1).next(nil, Maximize, n)
		require.NoError(t, err)
		out := make([]float64, len(cs))
		for i, c := range cs {
			out[i], _ = hpsearch.Number(c["x"])
		}
		return out
	}
	meanOf := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	lu := draws(LogUniform(-6, -1), 4000)
	logs := make([]float64, len(lu))
	for i, v := range lu {
		require.True(t, v >= math.Exp(-6) && v <= math.Exp(-1), v)
		logs[i] = math.Log(v)
	}
	assert.InDelta(t, -3.5, meanOf(logs), 0.1, "log of loguniform(-6,-1) is uniform on [-6,-1]")
	for _, v := range draws(QUniform(0, 10, 3), 500) {
		assert.Contains(t, []float64{0, 3, 6, 9, 12}, v, "round(U(0,10)/3)·3")
	}
	nv := draws(Normal(10, 3), 4000)
	assert.InDelta(t, 10, meanOf(nv), 0.2)
	for _, v := range draws(QLogNormal(1, 0.5, 2), 500) {
		assert.Equal(t, 0.0, math.Mod(v, 2))
	}
	for _, v := range draws(LogNormal(0, 1), 500) {
		assert.Greater(t, v, 0.0)
	}
	for _, v := range draws(Uniform(-1, 1), 500) {
		assert.True(t, v >= -1 && v <= 1)
	}
}
