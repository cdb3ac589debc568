package hyperdrive

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/runconfig"
)

// bayesianStandIn is a sampling named as Bayesian sampling is on the wire, for the checks
// that depend on the name only.
type bayesianStandIn struct{ Sampling }

func (bayesianStandIn) Name() string { return bayesianSamplingName }

func TestValidateMessagesInAzuremlsOrder(t *testing.T) {
	random, err := RandomParameterSampling(map[string]ParameterExpression{"a": Choice(1, 2), "b": Choice(1), "c": Choice(3)}, nil)
	require.NoError(t, err)
	bandit, err := BanditPolicy(&BanditOptions{SlackFactor: 0.2})
	require.NoError(t, err)
	ok := Config{RunConfig: &runconfig.ScriptRunConfig{}, HyperparameterSampling: random, PrimaryMetricName: "acc", PrimaryMetricGoal: "MAXIMIZE", MaxTotalRuns: 10}
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no run config", func(c *Config) { c.RunConfig, c.HyperparameterSampling = nil, nil }, "HyperDriveConfig expects at least one of estimator, run_config, pipeline to be set"},
		{"no sampling", func(c *Config) { c.HyperparameterSampling, c.PrimaryMetricGoal = nil, "up" }, "HyperDriveConfig expects hyperparameter_sampling to be set"},
		{"bayesian with a policy", func(c *Config) { c.HyperparameterSampling, c.Policy = bayesianStandIn{random}, bandit },
			"Early termination policy for Bayesian sampling. is not implemented for HyperDrive run"},
		{"goal", func(c *Config) { c.PrimaryMetricGoal = "up" }, "The primary metric goal expects either 'maximize' or 'minimize'."},
		{"metric", func(c *Config) { c.PrimaryMetricName = "" }, "HyperDriveConfig expects primary_metric_name to be set"},
		{"too many parents", func(c *Config) { c.ResumeFrom = make([]*HyperDriveRun, 6) }, "HyperDriveConfig expects the number of parent runs to not exceed than 5"},
		{"parent not a sweep", func(c *Config) { c.ResumeFrom = make([]*HyperDriveRun, 1) }, "Parent run expects to be HyperDriveRun objects."},
		{"no runs", func(c *Config) { c.MaxTotalRuns = 0 }, "Parameter 'max_total_jobs' must be equal to or greater than 1."},
		{"too many runs", func(c *Config) { c.MaxTotalRuns = 1001 }, "Parameter 'max_total_jobs' must be equal to or less than 1000."},
		{"too concurrent", func(c *Config) { c.MaxConcurrentRuns = 101 }, "Parameter 'max_concurrent_jobs' must be equal to or less than 100."},
		{"negative concurrency", func(c *Config) { c.MaxConcurrentRuns = -1 }, "Parameter 'max_concurrent_jobs' must be equal to or greater than 1."},
		{"too long", func(c *Config) { c.MaxDurationMinutes = 43201 }, "Parameter 'max_duration_minutes' must be equal to or less than 43200."},
		{"negative duration", func(c *Config) { c.MaxDurationMinutes = -1 }, "Parameter 'max_duration_minutes' must be equal to or greater than 1."},
		{"duplicate target", func(c *Config) { c.Targets = []string{"local", "local"} }, `Targets names "local" twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidConfig))
			assert.Equal(t, "hyperdrive: invalid HyperDriveConfig: "+tc.want, err.Error())
		})
	}
	require.NoError(t, ok.Validate())
	n := ok.normalized()
	assert.Equal(t, Maximize, n.PrimaryMetricGoal, "the goal is case-insensitive")
	assert.Equal(t, 10, n.MaxConcurrentRuns, "0 concurrency means all at once")
	assert.Equal(t, MaxDurationMinutes, n.MaxDurationMinutes)
	assert.Equal(t, "Default", n.Policy.Name(), "no policy is NoTerminationPolicy")
}

func TestWarnings(t *testing.T) {
	random, err := RandomParameterSampling(map[string]ParameterExpression{"a": Choice(1, 2), "b": Choice(1)}, nil)
	require.NoError(t, err)
	c := Config{HyperparameterSampling: bayesianStandIn{random}, MaxTotalRuns: 30, MaxConcurrentRuns: 21, MaxDurationMinutes: 20000}
	assert.Equal(t, []string{
		"The experiment maximum duration provided exceeds the service limit of 10080 minutes. The maximum duration will be overridden with 10080 minutes.",
		"For best results with Bayesian Sampling we recommend using a maximum number of runs greater than or equal to 20 times the number of hyperparameters being tuned. Recommendend value:40.",
		"We recommend using 20 max concurrent runs or fewer when using Bayesian sampling since a higher number might not provide the best result.",
	}, c.Warnings())
	c.HyperparameterSampling, c.MaxDurationMinutes = random, 0
	assert.Empty(t, c.Warnings())
}

func TestHyperparameterArguments(t *testing.T) {
	assert.Equal(t, []any{"--batch_size", "16", "-lr", "0.001", "--name", "adam", "--small", "1e-07", "--wide", "true"},
		hyperparameterArguments(map[string]any{"-lr": 0.001, "--batch_size": 16.0, "name": "adam", "small": 1e-7, "wide": true}))
}
