// Package experiment submits runs and inspects them: Experiment.Submit takes a snapshot of a
// ScriptRunConfig's source directory, records the run in the workspace and starts it on the
// configured compute target; Run.WaitForCompletion streams the run's log in azureml-core's format
// and records its status, metrics, outputs and logs.
//
// Runs outlive the process that submitted them: GetRun in any process that opens the workspace
// returns the run, and WaitForCompletion there picks up its log and metrics from the start.
//
// Experiment.StartRun records an interactive run instead (azureml's start_logging): a run that
// the program drives itself, with nothing executed on a target, such as a hyperparameter
// sweep's parent (package experiment/hyperdrive), whose children it submits with
// Run.SubmitChild.
package experiment
