package hyperdrive

import (
	"errors"
	"fmt"
	"strings"

	"github.com/amlgo/amlgo/runconfig"
)

// azureml's HyperDriveConfig constants (azureml.train.hyperdrive.runconfig).
const (
	// MaxDurationMinutes is the default and the service's limit of Config.MaxDurationMinutes
	// (7 days); a longer duration is capped to it, with a warning.
	MaxDurationMinutes = 10080
	// RecommendedMinRunsPerParameterBayesian and RecommendedMaxConcurrentRunsBayesian are the
	// thresholds of the warnings Bayesian sampling gives.
	RecommendedMinRunsPerParameterBayesian = 20
	RecommendedMaxConcurrentRunsBayesian   = 20
	// MaxParentRuns is how many runs Config.ResumeFrom may name.
	MaxParentRuns = 5
	// ResumeFromTotalRuns bounds MaxTotalRuns plus the resumed runs' MaxTotalRuns.
	ResumeFromTotalRuns = 1000
)

// The ranges the HyperDrive service's request model enforces (CreateExperimentDto).
const (
	maxTotalJobsLimit       = 1000
	maxConcurrentJobsLimit  = 100
	maxDurationMinutesLimit = 43200
	maxExperimentNameLength = 255
)

// Sampling and policy names on the wire.
const (
	bayesianSamplingName = "BayesianOptimization"
	noTerminationName    = "Default"
)

// ErrInvalidConfig is wrapped by every error Validate (and so Submit) returns for a Config
// that cannot be submitted; the message is azureml's HyperDriveConfigException's.
var ErrInvalidConfig = errors.New("hyperdrive: invalid HyperDriveConfig")

// Config is azureml's HyperDriveConfig: what to run (a ScriptRunConfig), how to choose its
// hyperparameters (a sampling), when to stop runs early (a policy), what to optimize, and
// how many runs to make. Submit runs it.
//
// azureml's estimator and pipeline alternatives to run_config do not exist in amlgo, so its
// checks that exactly one of the three is set reduce to RunConfig being set.
type Config struct {
	// RunConfig is the script each child run runs, with the sampled hyperparameters appended
	// to its arguments as "--name value" pairs (a key starting with '-' is used as is).
	// Required.
	RunConfig *runconfig.ScriptRunConfig
	// HyperparameterSampling is the parameter space and how it is sampled. Required.
	HyperparameterSampling Sampling
	// Policy is the early-termination policy; nil means NoTerminationPolicy.
	Policy Policy
	// PrimaryMetricName is the metric the runs log (run.log) and the sweep optimizes.
	PrimaryMetricName string
	// PrimaryMetricGoal is Maximize or Minimize (case-insensitive).
	PrimaryMetricGoal PrimaryMetricGoal
	// MaxTotalRuns is the number of child runs, 1–1000; fewer when the space is smaller.
	MaxTotalRuns int
	// MaxConcurrentRuns is how many children run at once, 1–100; 0 means MaxTotalRuns.
	MaxConcurrentRuns int
	// MaxDurationMinutes ends the sweep (running children are canceled) that long after it
	// started; 0 means MaxDurationMinutes (10080). Above 10080 it is capped, with a warning.
	MaxDurationMinutes int
	// ResumeFrom are up to 5 earlier sweeps (Completed or Canceled, same primary metric name
	// and goal) whose children are prior data points for this one (azureml's warm start):
	// the sampling and the policy see them as finished trials.
	ResumeFrom []*HyperDriveRun

	// Targets spreads the children over several compute targets (beyond azureml, whose
	// sweeps use the run configuration's target only): each child goes to the target with
	// the fewest running children, in this order on ties. Empty means RunConfig's target.
	// The run configuration (environment included) must suit every target.
	Targets []string
}

// configError is azureml's "{obj} expects {condition}" message.
func configError(obj, condition string) error {
	return fmt.Errorf("%w: %s expects %s", ErrInvalidConfig, obj, condition)
}

// rangeError is the message of the request model's range checks (msrest's ValidationError).
func rangeError(attr, rule string, limit int) error {
	return fmt.Errorf("%w: Parameter '%s' must be %s %d.", ErrInvalidConfig, attr, rule, limit)
}

// normalized returns c with azureml's derived values: the policy (NoTermination), the goal
// (lower case), the concurrency (MaxTotalRuns) and the duration (10080).
func (c Config) normalized() Config {
	if c.Policy == nil {
		c.Policy = NoTerminationPolicy()
	}
	c.PrimaryMetricGoal = PrimaryMetricGoal(strings.ToLower(string(c.PrimaryMetricGoal)))
	if c.MaxConcurrentRuns == 0 {
		c.MaxConcurrentRuns = c.MaxTotalRuns
	}
	if c.MaxDurationMinutes == 0 {
		c.MaxDurationMinutes = MaxDurationMinutes
	}
	return c
}

// Validate checks c with azureml's checks in azureml's order and returns the first problem
// (an error wrapping ErrInvalidConfig): the config's own checks, then the resumed runs', then
// the service's ranges. It does not check the script or the targets; Submit does.
func (c Config) Validate() error {
	if c.RunConfig == nil {
		return configError("HyperDriveConfig", "at least one of estimator, run_config, pipeline to be set")
	}
	if c.HyperparameterSampling == nil {
		return configError("HyperDriveConfig", "hyperparameter_sampling to be set")
	}
	if c.HyperparameterSampling.Name() == bayesianSamplingName && c.Policy != nil && c.Policy.Name() != noTerminationName {
		return fmt.Errorf("%w: Early termination policy for Bayesian sampling. is not implemented for HyperDrive run", ErrInvalidConfig)
	}
	n := c.normalized()
	if n.PrimaryMetricGoal != Maximize && n.PrimaryMetricGoal != Minimize {
		return configError("The primary metric goal", "either 'maximize' or 'minimize'.")
	}
	if c.PrimaryMetricName == "" {
		return configError("HyperDriveConfig", "primary_metric_name to be set")
	}
	if len(c.ResumeFrom) > MaxParentRuns {
		return configError("HyperDriveConfig", fmt.Sprintf("the number of parent runs to not exceed than %d", MaxParentRuns))
	}
	if err := n.checkResumeFrom(); err != nil {
		return err
	}
	switch {
	case n.MaxTotalRuns < 1:
		return rangeError("max_total_jobs", "equal to or greater than", 1)
	case n.MaxTotalRuns > maxTotalJobsLimit:
		return rangeError("max_total_jobs", "equal to or less than", maxTotalJobsLimit)
	case n.MaxConcurrentRuns < 1:
		return rangeError("max_concurrent_jobs", "equal to or greater than", 1)
	case n.MaxConcurrentRuns > maxConcurrentJobsLimit:
		return rangeError("max_concurrent_jobs", "equal to or less than", maxConcurrentJobsLimit)
	case n.MaxDurationMinutes < 1:
		return rangeError("max_duration_minutes", "equal to or greater than", 1)
	case n.MaxDurationMinutes > maxDurationMinutesLimit:
		return rangeError("max_duration_minutes", "equal to or less than", maxDurationMinutesLimit)
	}
	seen := map[string]bool{}
	for _, t := range c.Targets {
		if t == "" {
			return fmt.Errorf("%w: Targets has an empty target name", ErrInvalidConfig)
		}
		if seen[t] {
			return fmt.Errorf("%w: Targets names %q twice", ErrInvalidConfig, t)
		}
		seen[t] = true
	}
	return nil
}

// checkResumeFrom is azureml's _validate_warm_start for resume_from.
func (c Config) checkResumeFrom() error {
	total := c.MaxTotalRuns
	ids := map[string]bool{}
	for _, r := range c.ResumeFrom {
		if r == nil || r.state == nil {
			return configError("Parent run", "to be HyperDriveRun objects.")
		}
		pm := r.state.PrimaryMetric
		if pm.Name != c.PrimaryMetricName {
			return fmt.Errorf("%w: primary_metric_name should be the same for all runs. Current run's name is %s, while a run with %s was found", ErrInvalidConfig, c.PrimaryMetricName, pm.Name)
		}
		if pm.Goal != c.PrimaryMetricGoal {
			return fmt.Errorf("%w: primary_metric_goal should be the same for all runs. Current run's goal is %s, while a run with %s was found", ErrInvalidConfig, c.PrimaryMetricGoal, pm.Goal)
		}
		if c.HyperparameterSampling.Name() == bayesianSamplingName && !sameSpace(r.state.Sampling, c.HyperparameterSampling) {
			return fmt.Errorf("%w: parameter_space for Bayesian sampling should be the same for all runs.", ErrInvalidConfig)
		}
		if ids[r.ID()] {
			return fmt.Errorf("%w: resume_from cannot contain duplicate runs. More than one run with id '%s' was found", ErrInvalidConfig, r.ID())
		}
		ids[r.ID()] = true
		if st := r.recordedStatus(); st != "Completed" && st != "Canceled" {
			return fmt.Errorf("%w: All resume_from runs should be completed or canceled. A resume_from run with status '%s' was found.", ErrInvalidConfig, st)
		}
		total += r.state.MaxTotalRuns
	}
	if len(c.ResumeFrom) > 0 && total > ResumeFromTotalRuns {
		return fmt.Errorf("%w: The number of total runs should not be greater than %d. ", ErrInvalidConfig, ResumeFromTotalRuns)
	}
	return nil
}

// Warnings are azureml's warnings for c, in its order: a duration above the service's limit,
// and Bayesian sampling's advice on the number of runs and their concurrency. Submit passes
// each to SubmitOptions.OnWarning.
func (c Config) Warnings() []string {
	n := c.normalized()
	var w []string
	if n.MaxDurationMinutes > MaxDurationMinutes {
		w = append(w, fmt.Sprintf("The experiment maximum duration provided exceeds the service limit of %d minutes. The maximum duration will be overridden with %d minutes.", MaxDurationMinutes, MaxDurationMinutes))
	}
	if c.HyperparameterSampling != nil && c.HyperparameterSampling.Name() == bayesianSamplingName {
		rec := RecommendedMinRunsPerParameterBayesian * len(c.HyperparameterSampling.ParameterSpace())
		if n.MaxTotalRuns < rec {
			w = append(w, fmt.Sprintf("For best results with Bayesian Sampling we recommend using a maximum number of runs greater than or equal to %d times the number of hyperparameters being tuned. Recommendend value:%d.", RecommendedMinRunsPerParameterBayesian, rec))
		}
		if n.MaxConcurrentRuns > RecommendedMaxConcurrentRunsBayesian {
			w = append(w, fmt.Sprintf("We recommend using %d max concurrent runs or fewer when using Bayesian sampling since a higher number might not provide the best result.", RecommendedMaxConcurrentRunsBayesian))
		}
	}
	return w
}
