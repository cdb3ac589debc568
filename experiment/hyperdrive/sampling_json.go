package hyperdrive

import (
	"bytes"
	"encoding/json"
	"strings"
)

// samplingWire is azureml's generator_config: HyperParameterSampling.to_json().
type samplingWire struct {
	Name           string                         `json:"name"`
	ParameterSpace map[string]ParameterExpression `json:"parameter_space"`
	Properties     map[string]any                 `json:"properties,omitempty"`
}

// samplingJSON returns s as azureml sends it: {"name", "parameter_space"} and "properties" when
// there are any. The parameters are written in key order (azureml keeps the dict's order).
func samplingJSON(s Sampling) (json.RawMessage, error) {
	if s == nil {
		return nil, spaceError("HyperDriveConfig expects hyperparameter_sampling to be set")
	}
	return json.Marshal(samplingWire{Name: s.Name(), ParameterSpace: s.ParameterSpace(), Properties: s.Properties()})
}

// samplingFromJSON rebuilds a sampling from its generator_config, with azureml's rehydration
// messages, and the validation of its constructor. Unlike azureml's _from_dict it keeps the
// properties (a random sampling's seed among them), so that a resumed sweep samples as before.
func samplingFromJSON(raw json.RawMessage) (Sampling, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, spaceError("Expected type dict for dict_sampling but got [Scrubbed]")
	}
	var name string
	if err := json.Unmarshal(m["name"], &name); err != nil || m["name"] == nil {
		return nil, spaceError("Could not find name in dict_sampling")
	}
	if m["parameter_space"] == nil || bytes.Equal(m["parameter_space"], []byte("null")) {
		return nil, spaceError("Could not find parameter_space in dict_sampling")
	}
	var ps map[string]ParameterExpression
	if err := json.Unmarshal(m["parameter_space"], &ps); err != nil {
		return nil, err
	}
	var props map[string]any
	if p := m["properties"]; p != nil {
		d := json.NewDecoder(bytes.NewReader(p))
		d.UseNumber()
		if err := d.Decode(&props); err != nil {
			return nil, spaceError("the sampling's properties must be an object")
		}
	}
	switch strings.ToLower(name) {
	case "random":
		return RandomParameterSampling(ps, &RandomOptions{Properties: props})
	case "grid":
		g, err := GridParameterSampling(ps)
		if err != nil {
			return nil, err
		}
		g.props = props
		return g, nil
	case "bayesianoptimization":
		b, err := BayesianParameterSampling(ps)
		if err != nil {
			return nil, err
		}
		b.props = props
		return b, nil
	}
	return nil, spaceError("Failed to rehydrate run due to unknown sampling method.")
}
