// Package envbuild turns a run's Python environment into a runnable
// interpreter on the local host, mirroring what azureml's local invocation
// script did before starting the driver:
//
//   - user-managed environments (environment.python.userManagedDependencies:
//     true) use environment.python.interpreterPath as-is, resolved on PATH;
//   - system-managed environments get a conda environment named
//     azureml_<hash> (the hash of the conda specification), built once under
//     the cache directory with micromamba, mamba or conda and reused by every
//     later run whose specification is unchanged;
//   - docker-enabled runs are not prepared here: their image (base image plus
//     conda layer) is made on the Docker engine by internal/dockerexec.
//
// Builds are serialized with an advisory file lock (flock) per environment,
// so two runs in the same or in different processes never build the same
// environment at once; the second one waits and then reuses the result.
// The library never prints: progress goes to Options.ControlLog (the run's
// azureml-logs/60_control_log.txt) and structured debug events to
// Options.Logger.
package envbuild
