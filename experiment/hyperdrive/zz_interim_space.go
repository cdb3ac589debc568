package hyperdrive

// INTERIM — the sweep controller's stand-ins for the search-space half (branch hdspace).
//
// This file exists only so that the controller half (branch hdrun) builds and is tested
// before the two halves are merged. The lead deletes it when merging hdspace, whose files
// declare the real Sampling, Policy, ParameterExpression, Choice, RandomParameterSampling,
// BanditPolicy, NoTerminationPolicy, samplingJSON, policyJSON, samplingFromJSON and
// policyFromJSON (see contract.go). Nothing outside this file depends on how these stand-ins
// work: the controller uses only the contract's declarations.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// ParameterExpression is one parameter's distribution (interim: choice only).
type ParameterExpression struct {
	name string
	args []any
}

// Choice picks uniformly among values (interim).
func Choice(values ...any) ParameterExpression {
	return ParameterExpression{name: "choice", args: []any{values}}
}

// Sampling is how configurations are drawn from a parameter space (contract.go).
type Sampling interface {
	Name() string
	ParameterSpace() map[string]ParameterExpression
	newSampler(seed int64) sampler
}

// Policy is an early-termination policy (contract.go).
type Policy interface {
	Name() string
	newTerminator() terminator
}

type interimRandom struct {
	space map[string]ParameterExpression
}

// RandomParameterSampling samples the space at random (interim: choices, without
// replacement).
func RandomParameterSampling(space map[string]ParameterExpression, properties map[string]any) (Sampling, error) {
	if len(space) == 0 {
		return nil, errors.New("hyperdrive: empty parameter space")
	}
	return interimRandom{space: maps.Clone(space)}, nil
}

func (s interimRandom) Name() string                                   { return "RANDOM" }
func (s interimRandom) ParameterSpace() map[string]ParameterExpression { return maps.Clone(s.space) }
func (s interimRandom) newSampler(seed int64) sampler                  { return interimSampler{s: s, seed: seed} }

type interimSampler struct {
	s    interimRandom
	seed int64
}

func (x interimSampler) next(history []trialRecord, _ PrimaryMetricGoal, n int) ([]map[string]any, error) {
	keys := slices.Sorted(maps.Keys(x.s.space))
	seen := map[string]bool{}
	for _, h := range history {
		b, _ := json.Marshal(h.Parameters)
		seen[string(b)] = true
	}
	var out []map[string]any
	for i := 0; len(out) < n && i < 64*(n+1); i++ {
		rng := rand.New(rand.NewPCG(uint64(x.seed), uint64(len(history)*1000+i)))
		c := map[string]any{}
		for _, k := range keys {
			vals := x.s.space[k].args[0].([]any)
			c[k] = vals[rng.IntN(len(vals))]
		}
		// Compared as the controller persists them (JSON), as the contract's history is.
		b, _ := json.Marshal(c)
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		var decoded map[string]any
		_ = json.Unmarshal(b, &decoded)
		out = append(out, decoded)
	}
	// Random draws miss the last few unseen configurations: enumerate them.
	var walk func(i int, c map[string]any)
	walk = func(i int, c map[string]any) {
		if len(out) >= n {
			return
		}
		if i == len(keys) {
			b, _ := json.Marshal(c)
			if !seen[string(b)] {
				seen[string(b)] = true
				var decoded map[string]any
				_ = json.Unmarshal(b, &decoded)
				out = append(out, decoded)
			}
			return
		}
		for _, v := range x.s.space[keys[i]].args[0].([]any) {
			c[keys[i]] = v
			walk(i+1, c)
		}
	}
	walk(0, map[string]any{})
	return out, nil
}

type interimNoTermination struct{}

// NoTerminationPolicy never stops a run (interim).
func NoTerminationPolicy() Policy { return interimNoTermination{} }

func (interimNoTermination) Name() string              { return "Default" }
func (interimNoTermination) newTerminator() terminator { return interimNever{} }

type interimNever struct{}

func (interimNever) stop([]trialProgress, PrimaryMetricGoal, int) map[int]string { return nil }

// BanditOptions are BanditPolicy's settings (interim: slack factor only).
type BanditOptions struct {
	EvaluationInterval int
	SlackFactor        float64
	DelayEvaluation    int
}

type interimBandit struct{ o BanditOptions }

// BanditPolicy stops a run whose best primary metric is outside the slack factor of the best
// run's at the same interval (interim; the doc's rule, maximize and minimize).
func BanditPolicy(o *BanditOptions) (Policy, error) {
	if o == nil || o.SlackFactor <= 0 {
		return nil, errors.New("hyperdrive: Bandit termination policy expects exactly one of slack factor or slack amount to be set.")
	}
	b := *o
	if b.EvaluationInterval == 0 {
		b.EvaluationInterval = 1
	}
	return interimBandit{o: b}, nil
}

func (p interimBandit) Name() string              { return "Bandit" }
func (p interimBandit) newTerminator() terminator { return p }

func (p interimBandit) stop(trials []trialProgress, goal PrimaryMetricGoal, protectedBelow int) map[int]string {
	better := func(a, b float64) bool { return a > b }
	if goal == Minimize {
		better = func(a, b float64) bool { return a < b }
	}
	bestUpTo := func(v []float64, k int) float64 {
		b := v[0]
		for _, x := range v[1:k] {
			if better(x, b) {
				b = x
			}
		}
		return b
	}
	out := map[int]string{}
	for _, t := range trials {
		k := len(t.Values)
		if !t.Running || t.Number < protectedBelow || k == 0 || k%p.o.EvaluationInterval != 0 || k < p.o.DelayEvaluation {
			continue
		}
		mine := bestUpTo(t.Values, k)
		top := math.NaN()
		for _, o := range trials {
			if len(o.Values) >= k && (math.IsNaN(top) || better(o.Values[k-1], top)) {
				top = o.Values[k-1]
			}
		}
		f := 1 + p.o.SlackFactor
		if goal == Maximize && mine*f < top || goal == Minimize && mine > top*f {
			out[t.Number] = fmt.Sprintf("Bandit policy: best primary metric %g at interval %d is outside slack factor %g of the best %g", mine, k, p.o.SlackFactor, top)
		}
	}
	return out
}

func samplingJSON(s Sampling) (json.RawMessage, error) {
	r, ok := s.(interimRandom)
	if !ok {
		return nil, fmt.Errorf("hyperdrive: interim: unknown sampling %T", s)
	}
	space := map[string]any{}
	for k, e := range r.space {
		space[k] = []any{e.name, e.args}
	}
	return json.Marshal(map[string]any{"name": "RANDOM", "parameter_space": space})
}

func samplingFromJSON(raw json.RawMessage) (Sampling, error) {
	var v struct {
		Name           string
		ParameterSpace map[string][]json.RawMessage `json:"parameter_space"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Name != "RANDOM" {
		return nil, fmt.Errorf("hyperdrive: interim: cannot read sampling %s", raw)
	}
	space := map[string]ParameterExpression{}
	for k, e := range v.ParameterSpace {
		var args []any
		if len(e) != 2 || json.Unmarshal(e[1], &args) != nil || len(args) != 1 {
			return nil, fmt.Errorf("hyperdrive: interim: cannot read parameter %s", k)
		}
		space[k] = ParameterExpression{name: "choice", args: args}
	}
	return interimRandom{space: space}, nil
}

func policyJSON(p Policy) (json.RawMessage, error) {
	switch p := p.(type) {
	case interimNoTermination:
		return json.RawMessage(`{"name":"Default"}`), nil
	case interimBandit:
		return json.Marshal(map[string]any{"name": "Bandit", "properties": map[string]any{
			"evaluation_interval": p.o.EvaluationInterval, "delay_evaluation": p.o.DelayEvaluation, "slack_factor": p.o.SlackFactor}})
	}
	return nil, fmt.Errorf("hyperdrive: interim: unknown policy %T", p)
}

func policyFromJSON(raw json.RawMessage) (Policy, error) {
	var v struct {
		Name       string
		Properties struct {
			EvaluationInterval int     `json:"evaluation_interval"`
			DelayEvaluation    int     `json:"delay_evaluation"`
			SlackFactor        float64 `json:"slack_factor"`
		}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch v.Name {
	case "Default":
		return interimNoTermination{}, nil
	case "Bandit":
		return BanditPolicy(&BanditOptions{EvaluationInterval: v.Properties.EvaluationInterval, SlackFactor: v.Properties.SlackFactor, DelayEvaluation: v.Properties.DelayEvaluation})
	}
	return nil, fmt.Errorf("hyperdrive: interim: unknown policy %s", raw)
}
