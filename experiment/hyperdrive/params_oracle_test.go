package hyperdrive

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// oracleCase is one thing both sides build: an expression, a sampling or a policy.
type oracleCase struct {
	Kind       string                 `json:"kind"`
	Name       string                 `json:"name,omitempty"` // expression
	Args       []any                  `json:"args,omitempty"`
	Cls        string                 `json:"cls,omitempty"` // sampling or policy
	Space      map[string]*oracleCase `json:"space,omitempty"`
	NilSpace   bool                   `json:"-"`
	Properties map[string]any         `json:"properties,omitempty"`
	Kwargs     map[string]any         `json:"kwargs,omitempty"`
}

type oracleAnswer struct {
	JSON  any    `json:"json"`
	Error string `json:"error"`
}

// MarshalJSON sends a nil space as null (BayesianParameterSampling(None)).
func (c oracleCase) MarshalJSON() ([]byte, error) {
	type plain oracleCase
	b, err := json.Marshal(plain(c))
	if err != nil || c.Kind != "sampling" || !c.NilSpace {
		return b, err
	}
	return []byte(strings.Replace(string(b), `"kind":"sampling"`, `"kind":"sampling","space":null`, 1)), nil
}

func (c *oracleCase) expression() ParameterExpression {
	f := func(i int) float64 { return c.Args[i].(float64) }
	switch c.Name {
	case "choice":
		return Choice(c.Args...)
	case "randint":
		return RandInt(int(f(0)))
	case "uniform":
		return Uniform(f(0), f(1))
	case "quniform":
		return QUniform(f(0), f(1), int(f(2)))
	case "loguniform":
		return LogUniform(f(0), f(1))
	case "qloguniform":
		return QLogUniform(f(0), f(1), int(f(2)))
	case "normal":
		return Normal(f(0), f(1))
	case "qnormal":
		return QNormal(f(0), f(1), int(f(2)))
	case "lognormal":
		return LogNormal(f(0), f(1))
	}
	return QLogNormal(f(0), f(1), int(f(2)))
}

// amlgo builds c and returns what the oracle would: the JSON value or the message.
func (c *oracleCase) amlgo() oracleAnswer {
	var b []byte
	var err error
	switch c.Kind {
	case "expr":
		e := c.expression()
		if err = e.Err(); err == nil {
			b, err = json.Marshal(e)
		}
	case "sampling":
		var ps map[string]ParameterExpression
		if !c.NilSpace {
			ps = map[string]ParameterExpression{}
			for k, v := range c.Space {
				ps[k] = v.expression()
			}
		}
		var s Sampling
		switch c.Cls {
		case "random":
			s, err = RandomParameterSampling(ps, &RandomOptions{Properties: c.Properties})
		case "grid":
			s, err = GridParameterSampling(ps)
		default:
			s, err = BayesianParameterSampling(ps)
		}
		if err == nil {
			b, err = samplingJSON(s)
		}
	default:
		var p Policy
		k := c.Kwargs
		num := func(key string) float64 { f, _ := k[key].(float64); return f }
		opts := &PolicyOptions{EvaluationInterval: int(num("evaluation_interval")), DelayEvaluation: int(num("delay_evaluation"))}
		switch c.Cls {
		case "bandit":
			p, err = BanditPolicy(&BanditOptions{EvaluationInterval: opts.EvaluationInterval, SlackFactor: num("slack_factor"), SlackAmount: num("slack_amount"), DelayEvaluation: opts.DelayEvaluation})
		case "median":
			p, err = MedianStoppingPolicy(opts)
		case "truncation":
			p, err = TruncationSelectionPolicy(int(num("truncation_percentage")), opts)
		default:
			p = NoTerminationPolicy()
		}
		if err == nil {
			b, err = policyJSON(p)
		}
	}
	if err != nil {
		return oracleAnswer{Error: strings.TrimPrefix(err.Error(), "hyperdrive: ")}
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return oracleAnswer{Error: "amlgo wrote invalid JSON: " + err.Error()}
	}
	return oracleAnswer{JSON: v}
}

// oracleCases generates n cases, valid and invalid, within what both sides can express (a Go q
// is an int, an unset slack is 0, an evaluation interval 0 means the default), plus fixed ones.
func oracleCases(n int) []oracleCase {
	rng := rand.New(rand.NewPCG(14, 1))
	pick := func(vs ...float64) float64 { return vs[rng.IntN(len(vs))] }
	num := func() float64 { return pick(-3, -1, 0, 0.5, 1, 2, 2.5, 10, 1e-4) }
	expr := func() *oracleCase {
		names := []string{"choice", "randint", "uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal", "lognormal", "qlognormal"}
		c := &oracleCase{Kind: "expr", Name: names[rng.IntN(len(names))]}
		switch c.Name {
		case "choice":
			pool := []any{1.0, 2.0, 0.5, "a", "b", 16.0, -3.0, "c"}
			for range rng.IntN(4) {
				c.Args = append(c.Args, pool[rng.IntN(len(pool))])
			}
		case "randint":
			c.Args = []any{pick(-1, 0, 1, 5, 100)}
		default:
			c.Args = []any{num(), num()}
			if strings.HasPrefix(c.Name, "q") {
				c.Args = append(c.Args, pick(1, 2, 3))
			}
		}
		return c
	}
	var cases []oracleCase
	for range n {
		switch rng.IntN(3) {
		case 0:
			cases = append(cases, *expr())
		case 1:
			c := oracleCase{Kind: "sampling", Cls: []string{"random", "grid", "bayesian"}[rng.IntN(3)], Space: map[string]*oracleCase{}}
			for i := range 1 + rng.IntN(3) {
				c.Space[fmt.Sprintf("--p%d", i)] = expr()
			}
			cases = append(cases, c)
		default:
			c := oracleCase{Kind: "policy", Cls: []string{"bandit", "median", "truncation", "none"}[rng.IntN(4)], Kwargs: map[string]any{}}
			if c.Cls != "none" {
				c.Kwargs["evaluation_interval"] = pick(1, 2, 10)
				c.Kwargs["delay_evaluation"] = pick(0, 5)
			}
			switch c.Cls {
			case "bandit":
				for _, k := range []string{"slack_factor", "slack_amount"} {
					if rng.IntN(2) == 0 {
						c.Kwargs[k] = pick(0.1, 0.2, 1)
					}
				}
			case "truncation":
				c.Kwargs["truncation_percentage"] = pick(0, 1, 20, 99, 100)
			}
			cases = append(cases, c)
		}
	}
	// Cases the generator may miss.
	for _, c := range []oracleCase{
		{Kind: "sampling", Cls: "bayesian", NilSpace: true},
		{Kind: "sampling", Cls: "bayesian", Space: map[string]*oracleCase{}},
		{Kind: "sampling", Cls: "bayesian", Space: map[string]*oracleCase{"q": {Kind: "expr", Name: "quniform", Args: []any{0.0, 200001.0, 2.0}}}},
		{Kind: "sampling", Cls: "bayesian", Space: map[string]*oracleCase{"q": {Kind: "expr", Name: "quniform", Args: []any{0.5, 10.0, 1.0}}}},
		{Kind: "sampling", Cls: "random", Space: map[string]*oracleCase{"x": {Kind: "expr", Name: "uniform", Args: []any{0.0, 1.0}}}, Properties: map[string]any{"seed": 3.0}},
		{Kind: "sampling", Cls: "random", Space: map[string]*oracleCase{}},
	} {
		cases = append(cases, c)
	}
	return cases
}

// TestParamsOracle is the differential test against the real azureml-train-core 1.50: every
// case is built by both (parameter expressions, the three samplings' to_json, the policies'
// to_json); both must accept it with the same JSON value, or refuse it with the same message
// (the supported-distributions list of BayesianParameterSampling is printed from a Python set:
// compared as a set).
func TestParamsOracle(t *testing.T) {
	python := testenv.AzureMLPython(t)
	if err := exec.Command(python, "-c", "import azureml.train.hyperdrive").Run(); err != nil {
		testenv.SkipOrFail(t, python+" has no azureml-train-core: install .ci/azureml-oracle-requirements.txt")
	}
	cases := oracleCases(400)
	var answers []oracleAnswer
	testenv.RunOracle(t, python, filepath.Join("testdata", "params_oracle.py"), cases, &answers)
	require.Len(t, answers, len(cases))
	refused := 0
	for i, c := range cases {
		want, got := answers[i], c.amlgo()
		in, _ := json.Marshal(c)
		if want.Error != "" {
			refused++
			assert.Equal(t, sortedList(want.Error), sortedList(got.Error), "case %s", in)
			continue
		}
		assert.Empty(t, got.Error, "case %s", in)
		assert.Equal(t, want.JSON, got.JSON, "case %s", in)
	}
	t.Logf("%d cases, %d refused by both with the same message, %d accepted with the same JSON", len(cases), refused, len(cases)-refused)
	assert.Greater(t, refused, 20)
	assert.Greater(t, len(cases)-refused, 100)
}

// sortedList sorts the comma-separated list between the brackets of a message.
func sortedList(msg string) string {
	i, j := strings.LastIndex(msg, "["), strings.LastIndex(msg, "]")
	if i < 0 || j < i {
		return msg
	}
	items := strings.Split(msg[i+1:j], ", ")
	slices.Sort(items)
	return msg[:i+1] + strings.Join(items, ", ") + msg[j:]
}
