package hyperdrive

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// hyperparameterArguments renders a configuration as the script's extra arguments: a
// "flag value" pair per parameter, in the order of the parameter names (a Go map has no
// order; azureml's is the parameter space's). The flag is the name when it starts with '-',
// else "--" + name. Values are their JSON text, with integral numbers written without ".0"
// and strings as they are.
func hyperparameterArguments(values map[string]any) []any {
	var args []any
	for _, k := range slices.Sorted(maps.Keys(values)) {
		flag := k
		if !strings.HasPrefix(k, "-") {
			flag = "--" + k
		}
		args = append(args, flag, valueText(values[k]))
	}
	return args
}

// valueText is a hyperparameter value as the script receives it.
func valueText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case json.Number:
		return v.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
