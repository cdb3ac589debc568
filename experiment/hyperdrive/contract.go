package hyperdrive

// This file is the contract between the two halves of the package: the search space (parameter
// expressions, samplings, early-termination policies: pure functions) and the sweep controller
// (HyperDriveConfig, the parent and child runs, scheduling, resume). Each half may add to its own
// files; changing these declarations needs both halves to agree.

// PrimaryMetricGoal is whether the primary metric is maximized or minimized (azureml's
// PrimaryMetricGoal); its wire form is the lower-case name.
type PrimaryMetricGoal string

// The two goals.
const (
	Maximize PrimaryMetricGoal = "maximize"
	Minimize PrimaryMetricGoal = "minimize"
)

// trialRecord is what a sampling sees of one child run: its number (the n of <parent>_<n>), the
// hyperparameter values it ran with, and its result so far.
type trialRecord struct {
	Number     int
	Parameters map[string]any
	// Terminal is true once the child is Completed, Failed or Canceled.
	Terminal bool
	// HasValue is true when the child logged the primary metric at least once; Best is then the
	// best value it logged (max for Maximize, min for Minimize).
	HasValue bool
	Best     float64
}

// sampler proposes hyperparameter configurations. It is created from a Sampling and a seed and
// keeps no state between calls: next's result depends only on the seed, the history and n, so
// that a sweep resumed in another process (a new sampler, the same history) proposes what the
// first process would have.
type sampler interface {
	// next proposes up to n new configurations (keys = the parameter space's keys) given every
	// trial so far, pending ones included. It returns fewer than n, possibly none, when the space
	// is exhausted (grid, or an all-discrete space sampled without replacement).
	next(history []trialRecord, goal PrimaryMetricGoal, n int) ([]map[string]any, error)
}

// trialProgress is what a policy sees of one child run: the primary metric's values in the order
// they were logged (value k is interval k, counting from 1).
type trialProgress struct {
	Number  int
	Running bool
	Values  []float64
}

// terminator is an early-termination policy's decision function.
type terminator interface {
	// stop returns the numbers of the running trials to cancel now, each with azureml-style
	// reason text, given every trial's progress (terminal ones included). Trials numbered below
	// protectedBelow (the first batch of concurrent runs) are never returned.
	stop(trials []trialProgress, goal PrimaryMetricGoal, protectedBelow int) map[int]string
}

// The search-space half provides, besides the public constructors (Choice, RandInt, Uniform, …,
// RandomParameterSampling, GridParameterSampling, BayesianParameterSampling, BanditPolicy,
// MedianStoppingPolicy, TruncationSelectionPolicy, NoTerminationPolicy):
//
//	type Sampling interface { Name() string; ParameterSpace() map[string]ParameterExpression; newSampler(seed int64) sampler; … }
//	type Policy interface { Name() string; newTerminator() terminator; … }
//	func samplingJSON(s Sampling) (json.RawMessage, error)      // generator_config, azureml's wire JSON
//	func policyJSON(p Policy) (json.RawMessage, error)          // policy_config
//	func samplingFromJSON(raw json.RawMessage) (Sampling, error) // the inverse, for a resumed sweep
//	func policyFromJSON(raw json.RawMessage) (Policy, error)
//
// The controller half provides HyperDriveConfig (Config), its validation, submission, the
// parent run (HyperDriveRun) and the children, and renders each configuration's values as the
// script's "--name value" arguments.
