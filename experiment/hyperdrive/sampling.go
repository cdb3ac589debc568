package hyperdrive

import (
	"maps"
	"math"
	"slices"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

// Sampling is how a sweep draws hyperparameter configurations from its parameter space:
// RandomParameterSampling, GridParameterSampling or BayesianParameterSampling.
type Sampling interface {
	// Name is the sampling's wire name: "RANDOM", "GRID" or "BayesianOptimization".
	Name() string
	// ParameterSpace returns a copy of the space: each parameter's name and distribution.
	ParameterSpace() map[string]ParameterExpression
	// Properties returns a copy of the properties sent with the sampling (nil when none).
	Properties() map[string]any
	newSampler(seed int64) sampler
}

// space is what the three samplings share: the validated parameter space, in key order for
// the proposers, and the properties.
type space struct {
	exprs map[string]ParameterExpression
	hp    hpsearch.Space
	props map[string]any
}

// newSpace checks every name and expression, in key order, and copies them.
func newSpace(ps map[string]ParameterExpression, props map[string]any) (space, error) {
	s := space{exprs: maps.Clone(ps), props: maps.Clone(props)}
	if s.exprs == nil {
		s.exprs = map[string]ParameterExpression{}
	}
	for _, k := range slices.Sorted(maps.Keys(ps)) {
		if k == "" {
			return space{}, spaceError("a parameter name must not be empty")
		}
		if err := ps[k].Err(); err != nil {
			return space{}, err
		}
		d := ps[k].dist
		if d.Kind == hpsearch.Choice {
			// A value listed twice is one configuration: the proposers see each once, so that
			// a finite space is exhausted when every distinct value has been used.
			var distinct []any
			for _, v := range d.Values {
				if !slices.ContainsFunc(distinct, func(w any) bool { return hpsearch.SameValue(v, w) }) {
					distinct = append(distinct, v)
				}
			}
			d.Values = distinct
		}
		s.hp = append(s.hp, hpsearch.Param{Name: k, Dist: d})
	}
	return s, nil
}

// ParameterSpace implements Sampling.
func (s space) ParameterSpace() map[string]ParameterExpression { return maps.Clone(s.exprs) }

// Properties implements Sampling.
func (s space) Properties() map[string]any { return maps.Clone(s.props) }

// onlyDistributions checks that every expression is one of names (azureml's
// _validate_supported_distributions).
func (s space) onlyDistributions(names ...string) error {
	for _, p := range s.hp {
		if !slices.Contains(names, s.exprs[p.Name].name) {
			return spaceError("This sampling method expects only the following distributions: [%s]", joinComma(names))
		}
	}
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// RandomOptions are the options of RandomParameterSampling.
type RandomOptions struct {
	// Seed fixes the draws: the sweep proposes the same configurations on every submission.
	// Without it the controller chooses a seed and keeps it with the sweep. It is sent as the
	// property "seed", as azure-ai-ml's RandomSamplingAlgorithm sends its seed.
	Seed *int64
	// Properties are sent verbatim with the sampling (azureml's properties).
	Properties map[string]any
}

// Random is random sampling (azureml's RandomParameterSampling): every distribution is allowed;
// a space of only choice, randint, quniform and qloguniform parameters is sampled without
// replacement, so a sweep may have fewer trials than max total runs.
type Random struct {
	space
	seed *int64
}

// RandomParameterSampling returns random sampling over ps.
func RandomParameterSampling(ps map[string]ParameterExpression, opts *RandomOptions) (*Random, error) {
	var o RandomOptions
	if opts != nil {
		o = *opts
	}
	s, err := newSpace(ps, o.Properties)
	if err != nil {
		return nil, err
	}
	r := &Random{space: s}
	if v, ok := s.props["seed"]; ok {
		f, isNum := hpsearch.Number(fromJSONNumber(v))
		switch {
		case o.Seed != nil:
			return nil, spaceError("RandomParameterSampling expects the seed in RandomOptions.Seed or in its properties, not both")
		case !isNum || f != math.Trunc(f) || math.Abs(f) > 1<<53:
			return nil, spaceError("RandomParameterSampling expects the seed property to be an int")
		}
		seed := int64(f)
		r.seed = &seed
	}
	if o.Seed != nil {
		seed := *o.Seed
		r.seed = &seed
		if r.props == nil {
			r.props = map[string]any{}
		}
		r.props["seed"] = seed
	}
	return r, nil
}

// Name implements Sampling.
func (*Random) Name() string { return "RANDOM" }

// Seed returns the sampling's own seed and whether it has one.
func (r *Random) Seed() (int64, bool) {
	if r.seed == nil {
		return 0, false
	}
	return *r.seed, true
}

// Grid is grid sampling (azureml's GridParameterSampling): every combination of the choices,
// in row-major order of the parameters sorted by name (the last varies fastest).
type Grid struct{ space }

// GridParameterSampling returns grid sampling over ps, whose expressions must all be Choice.
func GridParameterSampling(ps map[string]ParameterExpression) (*Grid, error) {
	s, err := newSpace(ps, nil)
	if err != nil {
		return nil, err
	}
	if err := s.onlyDistributions("choice"); err != nil {
		return nil, err
	}
	return &Grid{s}, nil
}

// Name implements Sampling.
func (*Grid) Name() string { return "GRID" }

// Bayesian is Bayesian sampling (azureml's BayesianParameterSampling), amlgo's own algorithm
// (azureml's is unpublished): a Gaussian process with expected improvement; see the package
// documentation.
type Bayesian struct{ space }

// BayesianParameterSampling returns Bayesian sampling over ps, whose expressions must be Choice
// (of numbers or of strings), QUniform (of integers, at most 100000 points) or Uniform. A nil
// ps is an error; an empty one is not.
func BayesianParameterSampling(ps map[string]ParameterExpression) (*Bayesian, error) {
	if ps == nil {
		return nil, spaceError("BayesianParameterSampling expects parameter_space to not be None or empty.")
	}
	s, err := newSpace(ps, nil)
	if err != nil {
		return nil, err
	}
	bayes := []string{"choice", "quniform", "uniform"}
	for _, p := range s.hp {
		if !slices.Contains(bayes, ps[p.Name].name) {
			return nil, spaceError("This sampling method expects only the following distributions: [%s]", joinComma(bayes))
		}
		if msg := bayesianCheck(p.Dist); msg != "" {
			return nil, spaceError("Failed to validate a parameter distribution due to %s", msg)
		}
	}
	return &Bayesian{s}, nil
}

// bayesianCheck is azureml's _choice_validator and _bayesian_quniform_validator.
func bayesianCheck(d hpsearch.Dist) string {
	switch d.Kind {
	case hpsearch.Choice:
		strs := 0
		for _, v := range d.Values {
			switch v.(type) {
			case string:
				strs++
			case bool:
				return "'choice' values should be 'int', 'string' or 'float'."
			}
		}
		if strs%len(d.Values) != 0 {
			return "Either all or none of the 'choice' values should be 'str' type."
		}
	case hpsearch.QUniform:
		lo, hi, q := d.Args[0], d.Args[1], d.Args[2]
		if lo != math.Trunc(lo) || hi != math.Trunc(hi) {
			return "Expected quniform arguments to be int."
		}
		if (hi-lo)/q > 100000 {
			return "Too many discrete points for quniform distribution. Use larger q or uniform instead."
		}
	}
	return ""
}

// Name implements Sampling.
func (*Bayesian) Name() string { return "BayesianOptimization" }
