// Package hyperdrive runs hyperparameter sweeps, mirroring azureml.train.hyperdrive: a
// HyperDriveConfig (Config) names a ScriptRunConfig, a sampling over a parameter space, an
// early-termination policy, the primary metric and its goal, and limits; submitting it gives a
// parent run of type hyperdrive whose children <parent>_<n> are ordinary runs of the script
// with the sampled values appended to its arguments as "--name value". Unlike azureml, whose
// service drove sweeps on AmlCompute only, amlgo drives them from the SDK on every target that
// runs a job (local, VMs over SSH, …), and a sweep outlives the process that started it.
//
// The package has two halves, joined by the declarations of contract.go.
//
// # The search space
//
// Parameter expressions are azureml's: Choice, RandInt, Uniform, QUniform, LogUniform,
// QLogUniform, Normal, QNormal, LogNormal and QLogNormal, with azureml's validation messages and
// wire JSON (["quniform", [0, 10, 2]]). LogUniform(lo, hi) is exp(uniform(lo, hi)): its bounds
// are natural logarithms. The q forms round half to even, as numpy does. Samplings:
//
//   - RandomParameterSampling: every distribution; seedable (RandomOptions.Seed, sent as the
//     property "seed"). A space of only choice, randint, quniform and qloguniform parameters is
//     sampled without replacement, so it yields fewer trials than max total runs once exhausted.
//   - GridParameterSampling: choice only; every combination once, in row-major order of the
//     parameter names sorted (the last name varies fastest).
//   - BayesianParameterSampling: choice, quniform and uniform, with azureml's checks. azureml's
//     algorithm is unpublished; amlgo's is a Gaussian process (Matérn 5/2 kernel, one length
//     scale per input, hyperparameters by maximum marginal likelihood, fitted to at most 200
//     finished trials: the best half and the most recent) over the unit cube (choices
//     one-hot), after a Latin-hypercube design of max(5, parameters+2) trials, each
//     proposal maximizing expected improvement over random and local candidates (or over every
//     unused configuration of a small finite space). Trials still running count as having
//     returned the best value so far (a constant liar), so concurrent trials spread out.
//
// Samplers keep no state: a proposal depends only on the seed, the trials so far (pending ones
// included) and how many are asked for, so that a sweep resumed in another process proposes what
// the first would have. The sweep's seed is the sampling's own (Random with a seed) or else one
// the controller chooses and keeps with the sweep.
//
// The parameter space's JSON is written in key order; numbers in Go's shortest form (azureml
// writes 1.0 for a Python float, amlgo 1: the same JSON number). Choice values are numbers,
// strings or booleans; they come back as int64, float64, string or bool. Deliberate differences
// from azureml, which accepts them and fails later: non-finite arguments and q ≤ 0 are refused.
//
// # Early-termination policies
//
// BanditPolicy (a slack factor or amount), MedianStoppingPolicy, TruncationSelectionPolicy and
// NoTerminationPolicy, with azureml's JSON (policy_config) and messages. Each is a pure function
// of the runs' primary-metric histories: each value a run logs is one interval, and a running
// run is evaluated at interval k when k is a multiple of the evaluation interval and k ≥ the
// delay (at the latest such k when it logged several values since the last look). Runs of the
// first batch of concurrent runs are never stopped: there is no earlier run to compare with.
// A stopped run ends Canceled with the policy's reason as text. The rules azureml documents only
// in prose, and amlgo's readings of them:
//
//   - Bandit: B is the best value any run reached by interval k (its best of values 1..k). With
//     slack factor f, maximizing, a run whose best up to k is below B/(1+f) is cancelled (the
//     documentation's example: B = 0.8, f = 0.2 cancels below 0.666…); minimizing, above
//     B·(1+f). With slack amount a: below B−a (0.8−0.2 = 0.6), or above B+a. A run exactly at
//     the threshold is kept.
//   - MedianStopping: a run is cancelled at k when its best value up to k is worse than the
//     median of the running averages (mean of values 1..k) of the runs that have reached k, the
//     run itself included, once at least three runs have (Ray Tune's minimum; azureml does not
//     say).
//   - TruncationSelection: the runs that have reached k (finished ones too; exclude_finished_jobs
//     is false, as azureml always sends) are ranked by their value at interval k ("a run will
//     be terminated at interval 5 if its performance at interval 5 is in the lowest 20% of
//     performance of all runs at interval 5"); of n runs, a run whose rank (0 = best, ties in
//     its favour) is at least ceil(n·(1−p/100)) is cancelled.
//
// # The sweep controller
//
// Config validates as azureml's HyperDriveConfig does and submits the parent run; the
// controller, running in the SDK process with its state in the workspace store, asks the
// sampling for configurations, starts the children (at most max concurrent runs at a time),
// applies the policy to their metric histories, and records the parent's tags and properties as
// azureml does, so that the next WaitForCompletion on the parent, in any process, resumes the
// sweep with no trial lost or run twice.
//
// Submit drives the sweep from this process. Each batch of configurations is recorded on the
// parent (its tags <parent>_<n>) before any of them is launched, and a lock in the workspace
// store (an flock the kernel releases when its holder dies) lets one process at a time drive a
// sweep: WaitForCompletion in another process takes the lock when it is free and resumes the
// sweep, and otherwise follows it. Beyond azureml, sweeps run on local and SSH VMs, and
// Config.Targets spreads one sweep over several targets (each child goes to the target with the
// fewest running children). The parent ends Canceled when it was canceled, Failed when every
// child failed (or a child could not be launched), and Completed otherwise, a sweep that
// reached its maximum duration included.
//
// The controller writes the sweep's log (LogName, in azureml's record format), readable with
// HyperDriveRun.Logs while the sweep runs and stored as the parent's file at its end, and the
// parent's metric table BestChildTable, a row each time the best child changes.
package hyperdrive
