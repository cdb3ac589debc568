package hyperdrive

import (
	"math"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

// numeric builds a numeric expression after checking that its arguments are finite (amlgo's
// addition: azureml's JSON has no NaN or infinity) and that q, when present, is positive.
func numeric(name string, kind hpsearch.Kind, args []float64, check func() string) ParameterExpression {
	e := ParameterExpression{name: name, dist: hpsearch.Dist{Kind: kind, Args: args}}
	for i, a := range args {
		if math.IsNaN(a) || math.IsInf(a, 0) {
			e.err = spaceError("%s expects %s to be a finite float", name, argNames(name)[i])
			return e
		}
	}
	if len(args) == 3 && args[2] <= 0 {
		e.err = spaceError("%s expects q to be a positive int", name)
		return e
	}
	if msg := check(); msg != "" {
		e.err = spaceError("%s expects %s", name, msg)
	}
	return e
}

// RandInt is a random integer in [0, upper) (azureml's randint), for values with no order, such
// as seeds.
func RandInt(upper int) ParameterExpression {
	e := ParameterExpression{name: "randint", dist: hpsearch.Dist{Kind: hpsearch.RandInt, Args: []float64{float64(upper)}}}
	if upper <= 0 {
		e.err = spaceError("randint expects a positive number as input")
	}
	return e
}

func ordered(lo, hi float64) string {
	if lo >= hi {
		return "min_value < max_value"
	}
	return ""
}

func orderedOrEqual(lo, hi float64) string {
	if lo > hi {
		return "min_value <= max_value"
	}
	return ""
}

func nonNegative(sigma float64) func() string {
	return func() string {
		if sigma < 0 {
			return "sigma to be non negative"
		}
		return ""
	}
}

// Uniform is a value drawn uniformly from [minValue, maxValue] (azureml's uniform).
func Uniform(minValue, maxValue float64) ParameterExpression {
	return numeric("uniform", hpsearch.Uniform, []float64{minValue, maxValue}, func() string { return ordered(minValue, maxValue) })
}

// QUniform is round(uniform(minValue, maxValue)/q)·q (azureml's quniform), rounding half to even.
func QUniform(minValue, maxValue float64, q int) ParameterExpression {
	return numeric("quniform", hpsearch.QUniform, []float64{minValue, maxValue, float64(q)}, func() string { return ordered(minValue, maxValue) })
}

// LogUniform is exp(uniform(minValue, maxValue)) (azureml's loguniform): the bounds are natural
// logarithms, so LogUniform(-6, -1) ranges over [e⁻⁶, e⁻¹].
func LogUniform(minValue, maxValue float64) ParameterExpression {
	return numeric("loguniform", hpsearch.LogUniform, []float64{minValue, maxValue}, func() string { return orderedOrEqual(minValue, maxValue) })
}

// QLogUniform is round(exp(uniform(minValue, maxValue))/q)·q (azureml's qloguniform).
func QLogUniform(minValue, maxValue float64, q int) ParameterExpression {
	return numeric("qloguniform", hpsearch.QLogUniform, []float64{minValue, maxValue, float64(q)}, func() string { return orderedOrEqual(minValue, maxValue) })
}

// Normal is a value drawn from the normal distribution of mean mu and standard deviation sigma
// (azureml's normal).
func Normal(mu, sigma float64) ParameterExpression {
	return numeric("normal", hpsearch.Normal, []float64{mu, sigma}, nonNegative(sigma))
}

// QNormal is round(normal(mu, sigma)/q)·q (azureml's qnormal).
func QNormal(mu, sigma float64, q int) ParameterExpression {
	return numeric("qnormal", hpsearch.QNormal, []float64{mu, sigma, float64(q)}, nonNegative(sigma))
}

// LogNormal is exp(normal(mu, sigma)) (azureml's lognormal).
func LogNormal(mu, sigma float64) ParameterExpression {
	return numeric("lognormal", hpsearch.LogNormal, []float64{mu, sigma}, nonNegative(sigma))
}

// QLogNormal is round(exp(normal(mu, sigma))/q)·q (azureml's qlognormal).
func QLogNormal(mu, sigma float64, q int) ParameterExpression {
	return numeric("qlognormal", hpsearch.QLogNormal, []float64{mu, sigma, float64(q)}, nonNegative(sigma))
}
