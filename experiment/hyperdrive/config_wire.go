package hyperdrive

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// RunType is the run type of a sweep's parent run (azureml's HyperDriveRun.RUN_TYPE).
const RunType = "hyperdrive"

// The parent run's tags that azureml's HyperDriveConfig._get_runconfig_from_run_dto reads back.
const (
	tagGenerator      = "generator_config"
	tagPolicy         = "policy_config"
	tagPrimaryMetric  = "primary_metric_config"
	tagPlatform       = "platform_config"
	tagMaxTotal       = "max_total_jobs"
	tagMaxConcurrent  = "max_concurrent_jobs"
	tagMaxDuration    = "max_duration_minutes"
	propResumeFrom    = "resume_from"
	propResumeChild   = "resume_child_runs"
	propPlatform      = "platform"
	propRunSource     = "azureml.runsource"
	propAmlgoSweep    = "amlgo.hyperdrive"
	platformAML       = "AML"
	runSourceSweep    = "hyperdrive"
	snapshotProperty  = "ContentSnapshotId"
	notRecordedReason = "the sweep's configuration was never fully recorded (the submitting process ended during Submit)"
)

// primaryMetricConfig is azureml's primary_metric_config.
type primaryMetricConfig struct {
	Name string            `json:"name"`
	Goal PrimaryMetricGoal `json:"goal"`
}

// platformConfig is azureml's platform_config for the AML platform.
type platformConfig struct {
	ServiceAddress    string     `json:"ServiceAddress"`
	ServiceArmScope   string     `json:"ServiceArmScope"`
	SubscriptionID    string     `json:"SubscriptionId"`
	ResourceGroupName string     `json:"ResourceGroupName"`
	WorkspaceName     string     `json:"WorkspaceName"`
	ExperimentName    string     `json:"ExperimentName"`
	Definition        definition `json:"Definition"`
}

type definition struct {
	// Overrides is the serialized run configuration the children start from.
	Overrides       json.RawMessage `json:"Overrides"`
	TargetDetails   json.RawMessage `json:"TargetDetails"`
	SnapshotID      string          `json:"SnapshotId"`
	TelemetryValues map[string]any  `json:"TelemetryValues"`
}

// runKey is azureml's RunKey, naming a run of resume_from.
type runKey struct {
	RunScope runScope `json:"run_scope"`
	RunID    string   `json:"run_id"`
}

type runScope struct {
	Host           string `json:"host"`
	SubscriptionID string `json:"subscription_id"`
	ResourceGroup  string `json:"resource_group"`
	WorkspaceName  string `json:"workspace_name"`
	ExperimentName string `json:"experiment_name"`
}

// amlgoSweep is what amlgo records beyond azureml's tags to drive the sweep from any process.
type amlgoSweep struct {
	Seed    int64    `json:"seed"`
	Targets []string `json:"targets"`
}

// sweepState is a sweep's configuration as recorded on its parent run.
type sweepState struct {
	Sampling           Sampling
	Policy             Policy
	PrimaryMetric      primaryMetricConfig
	MaxTotalRuns       int
	MaxConcurrentRuns  int
	MaxDurationMinutes int
	RunConfig          *runconfig.RunConfiguration
	SnapshotID         string
	Seed               int64
	Targets            []string
	ResumeFrom         []string
}

// workspaceScope returns the platform_config's workspace fields for ws.
func workspaceScope(ws *workspace.Workspace, experiment string) platformConfig {
	p := platformConfig{ServiceAddress: "file://" + ws.Dir(), WorkspaceName: ws.Name(), ExperimentName: experiment}
	if a, ok := ws.Azure(); ok {
		p.SubscriptionID, p.ResourceGroupName = a.ID.SubscriptionID, a.ID.ResourceGroup
		p.ServiceAddress = a.DiscoveryURL
	}
	p.ServiceArmScope = fmt.Sprintf("subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s/experiments/%s",
		p.SubscriptionID, p.ResourceGroupName, p.WorkspaceName, experiment)
	return p
}

// parentTags returns the tags of the parent run for c (normalized) without platform_config,
// which needs the snapshot id.
func parentTags(c Config) (map[string]string, error) {
	gen, err := samplingJSON(c.HyperparameterSampling)
	if err != nil {
		return nil, err
	}
	pol, err := policyJSON(c.Policy)
	if err != nil {
		return nil, err
	}
	pm, _ := json.Marshal(primaryMetricConfig{Name: c.PrimaryMetricName, Goal: c.PrimaryMetricGoal})
	return map[string]string{
		tagGenerator:     string(gen),
		tagPolicy:        string(pol),
		tagPrimaryMetric: string(pm),
		tagMaxTotal:      strconv.Itoa(c.MaxTotalRuns),
		tagMaxConcurrent: strconv.Itoa(c.MaxConcurrentRuns),
		tagMaxDuration:   strconv.Itoa(c.MaxDurationMinutes),
	}, nil
}

// parentProperties returns the parent run's properties.
func parentProperties(ws *workspace.Workspace, c Config, sweep amlgoSweep) (map[string]string, error) {
	resumeFrom := "null"
	if len(c.ResumeFrom) > 0 {
		keys := make([]runKey, len(c.ResumeFrom))
		for i, r := range c.ResumeFrom {
			p := workspaceScope(ws, r.Experiment())
			keys[i] = runKey{RunID: r.ID(), RunScope: runScope{Host: p.ServiceAddress, SubscriptionID: p.SubscriptionID,
				ResourceGroup: p.ResourceGroupName, WorkspaceName: p.WorkspaceName, ExperimentName: p.ExperimentName}}
		}
		b, _ := json.Marshal(keys)
		resumeFrom = string(b)
	}
	s, err := json.Marshal(sweep)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		propResumeFrom:  resumeFrom,
		propResumeChild: "null",
		propPlatform:    platformAML,
		propRunSource:   runSourceSweep,
		propAmlgoSweep:  string(s),
	}, nil
}

// platformTag returns the platform_config tag.
func platformTag(ws *workspace.Workspace, experiment string, rc *runconfig.RunConfiguration, snapshotID string) (string, error) {
	overrides, err := json.Marshal(rc.Redacted())
	if err != nil {
		return "", fmt.Errorf("hyperdrive: encoding the run configuration: %w", err)
	}
	p := workspaceScope(ws, experiment)
	p.Definition = definition{Overrides: overrides, TargetDetails: json.RawMessage("null"), SnapshotID: snapshotID, TelemetryValues: map[string]any{}}
	b, err := json.Marshal(p)
	return string(b), err
}

// readState decodes a sweep's configuration from its parent's tags and properties.
func readState(tags, props map[string]string) (*sweepState, error) {
	for _, k := range []string{tagGenerator, tagPolicy, tagPrimaryMetric, tagPlatform, tagMaxTotal, tagMaxConcurrent, tagMaxDuration} {
		if _, ok := tags[k]; !ok {
			return nil, fmt.Errorf("hyperdrive: %s: tag %s is missing", notRecordedReason, k)
		}
	}
	s := &sweepState{}
	var err error
	if s.Sampling, err = samplingFromJSON(json.RawMessage(tags[tagGenerator])); err != nil {
		return nil, fmt.Errorf("hyperdrive: reading generator_config: %w", err)
	}
	if s.Policy, err = policyFromJSON(json.RawMessage(tags[tagPolicy])); err != nil {
		return nil, fmt.Errorf("hyperdrive: reading policy_config: %w", err)
	}
	if err := json.Unmarshal([]byte(tags[tagPrimaryMetric]), &s.PrimaryMetric); err != nil {
		return nil, fmt.Errorf("hyperdrive: reading primary_metric_config: %w", err)
	}
	for k, dst := range map[string]*int{tagMaxTotal: &s.MaxTotalRuns, tagMaxConcurrent: &s.MaxConcurrentRuns, tagMaxDuration: &s.MaxDurationMinutes} {
		if *dst, err = strconv.Atoi(tags[k]); err != nil {
			return nil, fmt.Errorf("hyperdrive: reading %s: %w", k, err)
		}
	}
	var p platformConfig
	if err := json.Unmarshal([]byte(tags[tagPlatform]), &p); err != nil {
		return nil, fmt.Errorf("hyperdrive: reading platform_config: %w", err)
	}
	s.SnapshotID = p.Definition.SnapshotID
	s.RunConfig = &runconfig.RunConfiguration{}
	if err := json.Unmarshal(p.Definition.Overrides, s.RunConfig); err != nil {
		return nil, fmt.Errorf("hyperdrive: reading the run configuration of platform_config: %w", err)
	}
	var sw amlgoSweep
	if raw, ok := props[propAmlgoSweep]; ok {
		if err := json.Unmarshal([]byte(raw), &sw); err != nil {
			return nil, fmt.Errorf("hyperdrive: reading %s: %w", propAmlgoSweep, err)
		}
	}
	s.Seed, s.Targets = sw.Seed, sw.Targets
	if len(s.Targets) == 0 {
		s.Targets = []string{s.RunConfig.Target}
	}
	if raw := props[propResumeFrom]; raw != "" && raw != "null" {
		var keys []runKey
		if err := json.Unmarshal([]byte(raw), &keys); err != nil {
			return nil, fmt.Errorf("hyperdrive: reading resume_from: %w", err)
		}
		for _, k := range keys {
			s.ResumeFrom = append(s.ResumeFrom, k.RunID)
		}
	}
	return s, nil
}

// sameSpace reports whether two samplings have the same wire parameter space.
func sameSpace(a, b Sampling) bool {
	ja, err1 := samplingJSON(a)
	jb, err2 := samplingJSON(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var va, vb struct {
		ParameterSpace json.RawMessage `json:"parameter_space"`
	}
	return json.Unmarshal(ja, &va) == nil && json.Unmarshal(jb, &vb) == nil && string(va.ParameterSpace) == string(vb.ParameterSpace)
}
