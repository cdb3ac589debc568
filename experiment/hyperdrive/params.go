package hyperdrive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

// ErrInvalidSpace is matched (errors.Is) by every error about a parameter expression or a
// sampling: azureml's HyperDriveConfigException for them.
var ErrInvalidSpace = errors.New("hyperdrive: invalid parameter space")

// spaceError is an azureml-worded message that matches ErrInvalidSpace.
func spaceError(format string, args ...any) error {
	return fmt.Errorf("hyperdrive: "+format+"%w", append(args, wrapOnly{ErrInvalidSpace})...)
}

// wrapOnly prints nothing but unwraps to its error, so that a message keeps azureml's exact
// words and still matches a sentinel.
type wrapOnly struct{ err error }

func (w wrapOnly) Error() string { return "" }
func (w wrapOnly) Unwrap() error { return w.err }

// ParameterExpression is one hyperparameter's distribution (azureml's parameter_expressions):
// built by Choice, RandInt, Uniform, QUniform, LogUniform, QLogUniform, Normal, QNormal,
// LogNormal or QLogNormal. Its JSON is azureml's [name, [arguments]]. An expression built from
// invalid arguments keeps the error (Err), and the sampling given it returns that error.
type ParameterExpression struct {
	name string
	dist hpsearch.Dist
	err  error
}

// Name returns the distribution's name as azureml writes it ("choice", "uniform", …).
func (e ParameterExpression) Name() string { return e.name }

// Args returns the expression's arguments: Choice's values, else the numbers in azureml's
// order (upper; min_value, max_value[, q]; mu, sigma[, q]).
func (e ParameterExpression) Args() []any {
	if e.dist.Kind == hpsearch.Choice {
		return append([]any(nil), e.dist.Values...)
	}
	out := make([]any, len(e.dist.Args))
	for i, a := range e.dist.Args {
		out[i] = a
		if e.intArg(i) {
			out[i] = int64(a)
		}
	}
	return out
}

// intArg reports whether argument i is an integer (randint's upper, a q).
func (e ParameterExpression) intArg(i int) bool {
	return e.dist.Kind == hpsearch.RandInt || i == 2
}

// Err returns the error of an expression built from invalid arguments, or nil.
func (e ParameterExpression) Err() error {
	if e.name == "" && e.err == nil {
		return spaceError("empty parameter expression: build it with Choice, RandInt, Uniform, …")
	}
	return e.err
}

// String returns the expression's JSON text.
func (e ParameterExpression) String() string {
	b, err := json.Marshal(e)
	if err != nil {
		return e.name + "(invalid)"
	}
	return string(b)
}

// MarshalJSON writes azureml's form: ["choice", [[v, …]]], ["uniform", [lo, hi]], ….
func (e ParameterExpression) MarshalJSON() ([]byte, error) {
	if err := e.Err(); err != nil {
		return nil, err
	}
	args := e.Args()
	if e.dist.Kind == hpsearch.Choice {
		args = []any{args}
	}
	return json.Marshal([]any{e.name, args})
}

// UnmarshalJSON reads azureml's form, with the validation of the constructor it names.
func (e *ParameterExpression) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var raw []json.RawMessage
	var name string
	if err := d.Decode(&raw); err != nil || len(raw) != 2 || json.Unmarshal(raw[0], &name) != nil {
		return spaceError("a parameter expression is [name, [arguments]], not %s", abbreviate(b))
	}
	d = json.NewDecoder(bytes.NewReader(raw[1]))
	d.UseNumber()
	var args []any
	if err := d.Decode(&args); err != nil {
		return spaceError("%s expects a list of arguments, not %s", name, abbreviate(raw[1]))
	}
	x, err := expressionFromJSON(name, args)
	if err != nil {
		return err
	}
	*e = x
	return nil
}

func abbreviate(b []byte) string {
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// expressionFromJSON rebuilds an expression from its decoded name and arguments.
func expressionFromJSON(name string, args []any) (ParameterExpression, error) {
	if name == "choice" {
		if len(args) != 1 {
			return ParameterExpression{}, spaceError("choice expects one list of values, not %d arguments", len(args))
		}
		vals, ok := args[0].([]any)
		if !ok {
			return ParameterExpression{}, spaceError("choice expects a list of values")
		}
		for i, v := range vals {
			vals[i] = fromJSONNumber(v)
		}
		e := Choice(vals)
		return e, e.err
	}
	want := map[string]int{"randint": 1, "uniform": 2, "quniform": 3, "loguniform": 2, "qloguniform": 3,
		"normal": 2, "qnormal": 3, "lognormal": 2, "qlognormal": 3}
	n, known := want[name]
	if !known {
		return ParameterExpression{}, spaceError("unknown parameter expression %q", name)
	}
	if len(args) != n {
		return ParameterExpression{}, spaceError("%s expects %d arguments, not %d", name, n, len(args))
	}
	f := make([]float64, n)
	for i, a := range args {
		num, ok := a.(json.Number)
		if !ok {
			return ParameterExpression{}, spaceError("%s expects %s to be a float", name, argNames(name)[i])
		}
		v, err := num.Float64()
		if err != nil {
			return ParameterExpression{}, spaceError("%s expects %s to be a float", name, argNames(name)[i])
		}
		if (name == "randint" || i == 2) && (strings.ContainsAny(string(num), ".eE") || v != math.Trunc(v)) {
			if name == "randint" {
				return ParameterExpression{}, spaceError("randint expects a positive number as input")
			}
			return ParameterExpression{}, spaceError("%s expects q to be an int", name)
		}
		f[i] = v
	}
	var e ParameterExpression
	switch name {
	case "randint":
		e = RandInt(int(f[0]))
	case "uniform":
		e = Uniform(f[0], f[1])
	case "quniform":
		e = QUniform(f[0], f[1], int(f[2]))
	case "loguniform":
		e = LogUniform(f[0], f[1])
	case "qloguniform":
		e = QLogUniform(f[0], f[1], int(f[2]))
	case "normal":
		e = Normal(f[0], f[1])
	case "qnormal":
		e = QNormal(f[0], f[1], int(f[2]))
	case "lognormal":
		e = LogNormal(f[0], f[1])
	default:
		e = QLogNormal(f[0], f[1], int(f[2]))
	}
	return e, e.err
}

func argNames(name string) []string {
	switch name {
	case "randint":
		return []string{"upper"}
	case "normal", "qnormal", "lognormal", "qlognormal":
		return []string{"mu", "sigma", "q"}
	}
	return []string{"min_value", "max_value", "q"}
}

// fromJSONNumber turns a decoded json.Number into an int64 when it is written as an integer,
// else a float64.
func fromJSONNumber(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, _ := n.Float64()
	return f
}

const choiceShape = "choice expects non-empty single list, non-empty single range() or a positive number of arbitrary comma separated inputs."

// Choice is a discrete set of values to pick from (azureml's choice): Choice(16, 32, 64), or one
// slice, Choice([]int{16, 32, 64}). Values are numbers, strings or booleans; integers come back
// as int64 and floats as float64.
func Choice(values ...any) ParameterExpression {
	e := ParameterExpression{name: "choice", dist: hpsearch.Dist{Kind: hpsearch.Choice}}
	if len(values) == 0 {
		e.err = spaceError("Please specify an input for choice.")
		return e
	}
	for _, v := range values {
		if rv := reflect.ValueOf(v); v != nil && (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) {
			if len(values) > 1 || rv.Len() == 0 {
				e.err = spaceError(choiceShape)
				return e
			}
			values = make([]any, rv.Len())
			for i := range values {
				values[i] = rv.Index(i).Interface()
			}
			break
		}
	}
	for _, v := range values {
		s, err := scalar(v)
		if err != nil {
			e.err = err
			return e
		}
		e.dist.Values = append(e.dist.Values, s)
	}
	return e
}

// scalar normalizes a choice value: int64, float64, string or bool.
func scalar(v any) (any, error) {
	switch x := v.(type) {
	case string, bool, int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, spaceError("choice expects finite numbers, not %v", x)
		}
		return x, nil
	case float32:
		return scalar(float64(x))
	case uint, uint64, uintptr:
		u := reflect.ValueOf(v).Uint()
		if u > math.MaxInt64 {
			return nil, spaceError("choice value %d is out of range", u)
		}
		return int64(u), nil
	}
	if f, ok := hpsearch.Number(v); ok {
		return int64(f), nil
	}
	return nil, spaceError("choice expects values that are numbers, strings or booleans, not %T", v)
}
