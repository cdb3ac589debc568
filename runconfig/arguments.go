package runconfig

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Script arguments keep their type, as in azureml-core: an argument is a string, a Go
// integer (int, int8 … int64, uint … uint64), a float64 or a bool. Numbers and booleans are
// written unquoted to JSON and YAML (["--epochs", 3] stays a number); the script itself
// always receives strings, rendered by ArgumentStrings.

// ArgumentStrings renders script arguments the way Python's str() does, which is what the
// script sees in sys.argv: str(3) = "3", str(0.5) = "0.5", str(1.0) = "1.0",
// str(1e20) = "1e+20", str(True) = "True", str(float("inf")) = "inf"; strings are unchanged.
// A nil element renders as "None"; other unsupported values (rejected by Validate) are
// rendered with fmt.Sprint. A nil args gives nil. args is not modified.
func ArgumentStrings(args []any) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = argumentString(a)
	}
	return out
}

func argumentString(a any) string {
	switch x := a.(type) {
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return pyFloat(x, true)
	}
	if n, ok := argumentInt(a); ok {
		return n.String()
	}
	return fmt.Sprint(a)
}

// argumentInt formats a Go integer of any width as a JSON number.
func argumentInt(a any) (json.Number, bool) {
	switch x := a.(type) {
	case int:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int8:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int16:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), true
	case uint:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case uint8:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case uint16:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case uint32:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), true
	case uintptr:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	}
	return "", false
}

// argumentError describes why a is not a valid argument ("" when it is valid).
func argumentError(a any) string {
	switch a.(type) {
	case string, bool, float64:
		return ""
	case nil:
		return "is nil; use a string, an integer, a float64 or a bool"
	case float32:
		return "has type float32; use float64"
	}
	if _, ok := argumentInt(a); ok {
		return ""
	}
	return fmt.Sprintf("has unsupported type %T; use a string, an integer, a float64 or a bool", a)
}

// validateArguments reports each argument of an unsupported type, naming field[i].
func validateArguments(field string, args []any) []string {
	var msgs []string
	for i, a := range args {
		if e := argumentError(a); e != "" {
			msgs = append(msgs, fmt.Sprintf("%s[%d] %s", field, i, e))
		}
	}
	return msgs
}

// argumentsTree converts arguments into tree values: strings, bools and float64 as they are,
// integers as json.Number, nil (written as null, as azureml writes None) kept.
func argumentsTree(args []any) (any, error) {
	if args == nil {
		return nil, nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case nil, string, bool, float64:
			out[i] = x
		default:
			n, ok := argumentInt(a)
			if !ok {
				return nil, newError(fmt.Sprintf("arguments[%d] %s", i, argumentError(a)), ErrInvalid)
			}
			out[i] = n
		}
	}
	return out, nil
}

// argumentList decodes the arguments sequence keeping scalar types: YAML/JSON integers
// become int, floats float64, booleans bool, null nil and everything else (quoted scalars,
// timestamps, integers too large for int) string.
func (d *nodeDecoder) argumentList(n *yaml.Node, path string) []any {
	return decodeList(d, n, path, func(e *yaml.Node, p string) any {
		e = deref(e)
		if e.Kind != yaml.ScalarNode {
			d.fail(p, "expected a scalar")
			return ""
		}
		return argumentValue(e)
	})
}

func argumentValue(n *yaml.Node) any {
	if n.Style == 0 {
		// json.dumps spells non-finite floats NaN, Infinity and -Infinity.
		switch n.Value {
		case "NaN":
			return math.NaN()
		case "Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		}
	}
	switch v := scalarValue(n).(type) {
	case nil, bool, int, float64:
		return v
	}
	return n.Value
}

// stringArguments converts strings into arguments.
func stringArguments(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
