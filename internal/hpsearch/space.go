// Package hpsearch proposes hyperparameter configurations from a search space: the draws of
// azureml's parameter expressions, random sampling (without replacement when the space is
// finite), grid enumeration and a Bayesian optimiser (a Gaussian process with expected
// improvement). Every proposer is a pure function of its seed, the trials so far and the number
// asked for, so that a sweep resumed in another process proposes what the first would have.
// experiment/hyperdrive validates the user's space and maps it onto these types.
package hpsearch

import (
	"encoding/json"
	"math"
	"strconv"
)

// Kind is a parameter expression's distribution.
type Kind int

// The distributions of azureml's parameter_expressions module.
const (
	Choice Kind = iota
	RandInt
	Uniform
	QUniform
	LogUniform
	QLogUniform
	Normal
	QNormal
	LogNormal
	QLogNormal
)

// Dist is one parameter's distribution: Values for Choice, else Args as azureml orders them
// (upper; lo, hi[, q]; mu, sigma[, q]).
type Dist struct {
	Kind   Kind
	Args   []float64
	Values []any
}

// Param is a named parameter of a space.
type Param struct {
	Name string
	Dist Dist
}

// Space is a search space, its parameters in a fixed order (hyperdrive sorts them by name).
type Space []Param

// Trial is one trial as a proposer sees it: its parameter values, whether it has ended, and the
// best value of the objective it reported (HasValue), oriented so that larger is better.
type Trial struct {
	Params   map[string]any
	Terminal bool
	HasValue bool
	Value    float64
}

// draw returns one value of d: Choice values as given, RandInt as int64, the rest as float64.
func (d Dist) draw(u func() float64, norm func() float64) any {
	a := d.Args
	switch d.Kind {
	case Choice:
		return d.Values[min(int(u()*float64(len(d.Values))), len(d.Values)-1)]
	case RandInt:
		return min(int64(u()*a[0]), int64(a[0])-1)
	case Uniform:
		return a[0] + u()*(a[1]-a[0])
	case QUniform:
		return Quantize(a[0]+u()*(a[1]-a[0]), a[2])
	case LogUniform:
		return math.Exp(a[0] + u()*(a[1]-a[0]))
	case QLogUniform:
		return Quantize(math.Exp(a[0]+u()*(a[1]-a[0])), a[2])
	case Normal:
		return a[0] + norm()*a[1]
	case QNormal:
		return Quantize(a[0]+norm()*a[1], a[2])
	case LogNormal:
		return math.Exp(a[0] + norm()*a[1])
	default: // QLogNormal
		return Quantize(math.Exp(a[0]+norm()*a[1]), a[2])
	}
}

// Quantize is azureml's round(x/q)·q, rounding half to even as numpy does.
func Quantize(x, q float64) float64 {
	return math.RoundToEven(x/q) * q
}

// levels returns how many values d can take and whether that number is finite; a count that
// would overflow is reported as math.MaxInt64.
func (d Dist) levels() (int64, bool) {
	a := d.Args
	switch d.Kind {
	case Choice:
		return int64(len(d.Values)), true
	case RandInt:
		return int64(a[0]), true
	case QUniform:
		return span(math.RoundToEven(a[0]/a[2]), math.RoundToEven(a[1]/a[2])), true
	case QLogUniform:
		return span(math.RoundToEven(math.Exp(a[0])/a[2]), math.RoundToEven(math.Exp(a[1])/a[2])), true
	}
	return 0, false
}

func span(lo, hi float64) int64 {
	n := hi - lo + 1
	if n >= math.MaxInt64/2 || math.IsInf(n, 0) || math.IsNaN(n) {
		return math.MaxInt64
	}
	return int64(n)
}

// level returns the index of v among d's values (a finite d), or -1.
func (d Dist) level(v any) int64 {
	switch d.Kind {
	case Choice:
		for i, c := range d.Values {
			if SameValue(c, v) {
				return int64(i)
			}
		}
		return -1
	case RandInt:
		f, ok := Number(v)
		if !ok || f != math.Trunc(f) || f < 0 || f >= d.Args[0] {
			return -1
		}
		return int64(f)
	case QUniform, QLogUniform:
		f, ok := Number(v)
		if !ok {
			return -1
		}
		lo := math.RoundToEven(d.Args[0] / d.Args[2])
		if d.Kind == QLogUniform {
			lo = math.RoundToEven(math.Exp(d.Args[0]) / d.Args[2])
		}
		k := math.Round(f/d.Args[2]) - lo
		if n, _ := d.levels(); k < 0 || k >= float64(n) {
			return -1
		}
		return int64(k)
	}
	return -1
}

// value returns d's value at index i (a finite d).
func (d Dist) value(i int64) any {
	switch d.Kind {
	case Choice:
		return d.Values[i]
	case RandInt:
		return i
	case QUniform:
		return (math.RoundToEven(d.Args[0]/d.Args[2]) + float64(i)) * d.Args[2]
	default: // QLogUniform
		return (math.RoundToEven(math.Exp(d.Args[0])/d.Args[2]) + float64(i)) * d.Args[2]
	}
}

// Number returns v as a float64 when it is a Go number or a json.Number.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	}
	return 0, false
}

// SameValue reports whether a and b are the same parameter value: equal numbers whatever their
// Go types (a value read back from JSON is a float64 or a json.Number), else equal values.
func SameValue(a, b any) bool {
	fa, oka := Number(a)
	fb, okb := Number(b)
	if oka || okb {
		return oka && okb && fa == fb
	}
	sa, oka := a.(string)
	sb, okb := b.(string)
	if oka || okb {
		return oka && okb && sa == sb
	}
	ba, oka := a.(bool)
	bb, okb := b.(bool)
	return oka && okb && ba == bb
}
