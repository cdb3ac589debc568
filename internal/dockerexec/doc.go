// Package dockerexec runs a job's driver in a Docker container: it reaches an engine (a local
// socket, DOCKER_HOST, or any connection such as a VM's socket forwarded over SSH), makes the
// run's image (the base image pulled with the run's registry credentials, plus a conda layer
// for system-managed environments, named and cached by content as azureml_<hash>, built at most
// once per engine at a time), and creates, starts, inspects, stops and removes the run's
// container by name.
//
// The container runs the same driver wrapper as native runs (package internal/driver) with the
// run directory bind-mounted at /azureml-run, so logs, metric records, the exit code and the
// kill file are read and written exactly as for a native run; the engine is only asked whether
// the container still runs. Nothing here prints: build output goes to an io.Writer (the run's
// control log) and debug events to an optional *slog.Logger. Registry passwords never appear in
// a message, an error or a log.
package dockerexec
