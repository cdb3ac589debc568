// Package localexec runs a driver (internal/driver) detached on this machine and controls it:
// Start launches the wrapper in its own session and process group and takes its identity
// (driver.LocalIdentity) while it is still an unreaped child, so the run survives the SDK
// process; State/ParseState/Resume carry an execution across processes; Observe reads the run
// directory through internal/rundir; Cancel writes the kill file, and when the driver is gone
// kills the script's process group and records the outcome in its place; CollectOutputs and
// OpenRunFile read the run's files.
//
// It takes plain values (the run directory, the wrapper's command line, the environment) and
// imports no public amlgo package: compute's Local target translates a Job into a Launch.
package localexec
