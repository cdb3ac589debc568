package hyperdrive

import (
	"bytes"
	"encoding/json"
	"strings"
)

// banditProperties and the others are the policies' properties in azureml's key order.
type banditProperties struct {
	EvaluationInterval int      `json:"evaluation_interval"`
	DelayEvaluation    int      `json:"delay_evaluation"`
	SlackFactor        *float64 `json:"slack_factor,omitempty"`
	SlackAmount        *float64 `json:"slack_amount,omitempty"`
}

type scheduleProperties struct {
	EvaluationInterval int `json:"evaluation_interval"`
	DelayEvaluation    int `json:"delay_evaluation"`
}

type truncationProperties struct {
	EvaluationInterval   int  `json:"evaluation_interval"`
	DelayEvaluation      int  `json:"delay_evaluation"`
	TruncationPercentage int  `json:"truncation_percentage"`
	ExcludeFinishedJobs  bool `json:"exclude_finished_jobs"`
}

type policyWire struct {
	Name       string `json:"name"`
	Properties any    `json:"properties,omitempty"`
}

// policyJSON returns p as azureml sends it (policy_config); a nil p is NoTerminationPolicy.
func policyJSON(p Policy) (json.RawMessage, error) {
	w := policyWire{Name: "Default"}
	switch x := p.(type) {
	case nil, *NoTermination:
	case *Bandit:
		bp := banditProperties{EvaluationInterval: x.sched.Interval, DelayEvaluation: x.sched.Delay}
		if x.factor != 0 {
			bp.SlackFactor = &x.factor
		} else {
			bp.SlackAmount = &x.amount
		}
		w = policyWire{Name: x.Name(), Properties: bp}
	case *MedianStopping:
		w = policyWire{Name: x.Name(), Properties: scheduleProperties{x.sched.Interval, x.sched.Delay}}
	case *TruncationSelection:
		w = policyWire{Name: x.Name(), Properties: truncationProperties{x.sched.Interval, x.sched.Delay, x.percentage, x.excludeFinished}}
	default:
		return nil, policyError("Unknown policy %s.", p.Name())
	}
	return json.Marshal(w)
}

// policyFromJSON rebuilds a policy from its policy_config, with azureml's rehydration messages
// and its constructors' validation.
func policyFromJSON(raw json.RawMessage) (Policy, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, policyError("Expected type dict for dict_policy but got [Scrubbed]")
	}
	var name string
	if err := json.Unmarshal(m["name"], &name); err != nil || m["name"] == nil {
		return nil, policyError("Could not find name in dict_policy")
	}
	lower := strings.ToLower(name)
	if lower == "default" {
		return NoTerminationPolicy(), nil
	}
	known := map[string]bool{"bandit": true, "medianstopping": true, "truncationselection": true}
	if !known[lower] {
		return nil, policyError("Unknown policy %s.", name)
	}
	if p := m["properties"]; p == nil || bytes.Equal(p, []byte("null")) {
		return nil, policyError("Could not find properties in dict_policy")
	}
	d := json.NewDecoder(bytes.NewReader(m["properties"]))
	d.UseNumber()
	var props map[string]any
	if err := d.Decode(&props); err != nil {
		return nil, policyError("Expected type dict for properties but got [Scrubbed]")
	}
	interval, err := intProperty(props, "evaluation_interval")
	if err != nil {
		return nil, err
	}
	delay, err := intProperty(props, "delay_evaluation")
	if err != nil {
		return nil, err
	}
	if interval == 0 {
		return nil, policyError("evaluation_interval expects a positive int")
	}
	opts := &PolicyOptions{EvaluationInterval: interval, DelayEvaluation: delay}
	switch lower {
	case "bandit":
		o := BanditOptions{EvaluationInterval: interval, DelayEvaluation: delay}
		for key, dst := range map[string]*float64{"slack_factor": &o.SlackFactor, "slack_amount": &o.SlackAmount} {
			if v, ok := props[key]; ok && v != nil {
				n, isNum := v.(json.Number)
				f, err := n.Float64()
				if !isNum || err != nil {
					return nil, policyError("Expected type float for %s but got [Scrubbed]", key)
				}
				*dst = f
			}
		}
		return BanditPolicy(&o)
	case "medianstopping":
		return MedianStoppingPolicy(opts)
	}
	pct, err := intProperty(props, "truncation_percentage")
	if err != nil {
		return nil, err
	}
	t, err := TruncationSelectionPolicy(pct, opts)
	if err != nil {
		return nil, err
	}
	if v, ok := props["exclude_finished_jobs"].(bool); ok {
		t.excludeFinished = v
	}
	return t, nil
}

// intProperty reads an int property, with azureml's "Expected type int" message.
func intProperty(props map[string]any, key string) (int, error) {
	n, ok := props[key].(json.Number)
	if ok {
		if i, err := n.Int64(); err == nil && i >= -1<<31 && i < 1<<31 {
			return int(i), nil
		}
	}
	return 0, policyError("Expected type int for %s but got [Scrubbed]", key)
}
