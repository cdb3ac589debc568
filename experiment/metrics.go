package experiment

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
)

// Metrics returns the run's metrics in the shapes of azureml-core's Run.get_metrics(): a name
// logged once with log() maps to its value and a name logged several times to the list of
// values; log_list gives the list; log_row gives a map of column to the list of that column's
// values over the rows; log_table gives a map of column to values (tables logged twice under one
// name are concatenated); log_image gives the image's artifact name.
//
// Values are JSON-decoded: numbers are float64, strings string, booleans bool.
func (r *Run) Metrics(ctx context.Context) (map[string]any, error) {
	ms, err := r.st.Metrics(ctx, r.id)
	if err != nil {
		return nil, errorf("experiment: reading metrics of run %s: %w", r.id, err)
	}
	type acc struct {
		kind    string
		values  []any
		columns map[string][]any
		order   []string
	}
	byName := map[string]*acc{}
	var names []string
	for _, m := range ms {
		a := byName[m.Name]
		if a == nil {
			a = &acc{kind: m.Type, columns: map[string][]any{}}
			byName[m.Name] = a
			names = append(names, m.Name)
		}
		var v any
		if err := json.Unmarshal(m.Value, &v); err != nil {
			continue
		}
		switch m.Type {
		case "row", "table":
			cols, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for _, c := range slices.Sorted(maps.Keys(cols)) {
				if _, seen := a.columns[c]; !seen {
					a.order = append(a.order, c)
				}
				if list, ok := cols[c].([]any); ok && m.Type == "table" {
					a.columns[c] = append(a.columns[c], list...)
				} else {
					a.columns[c] = append(a.columns[c], cols[c])
				}
			}
		case "image":
			if obj, ok := v.(map[string]any); ok {
				if p, ok := obj["path"].(string); ok {
					v = p
				}
			}
			a.values = append(a.values, v)
		default:
			a.values = append(a.values, v)
		}
	}
	out := make(map[string]any, len(names))
	for _, n := range names {
		a := byName[n]
		switch {
		case a.kind == "row" || a.kind == "table":
			cols := make(map[string]any, len(a.columns))
			for c, vs := range a.columns {
				cols[c] = vs
			}
			out[n] = cols
		case a.kind == "list" && len(a.values) == 1:
			out[n] = a.values[0]
		case len(a.values) == 1:
			out[n] = a.values[0]
		default:
			out[n] = a.values
		}
	}
	return out, nil
}
