// Package driver is what amlgo runs on a compute target: a bash wrapper that supervises the
// training command inside a run directory, and a stdlib-only Python run-context shim (an
// "azureml" package) so that unchanged azureml-core scripts can call Run.get_context().log(...).
//
// The run directory layout (see Layout) is the contract between the SDK side and these two
// pieces:
//
//	<rundir>/wd/                          the restored snapshot; cwd of the script (outputs/, logs/)
//	<rundir>/azureml-setup/driver.sh      the wrapper (WriteWrapper)
//	<rundir>/azureml-setup/shim/azureml/  the Python shim (InstallShim)
//	<rundir>/azureml-setup/{pid,child_pgid,started_at,ended_at,reason,exit_code,killfile}
//	<rundir>/azureml-logs/{60_control_log.txt,70_driver_log.txt}
//	<rundir>/metrics.jsonl                one JSON record per line, appended by the shim (Record)
//	<rundir>/uploads/                     files copied in by run.upload_file / run.log_image
//
// The wrapper is invoked as
//
//	bash <rundir>/azureml-setup/driver.sh <rundir> <max_seconds|0> <grace_seconds> -- <argv...>
//
// (see Paths.Command). It writes pid, then started_at, starts argv in its own process group
// (child_pgid) with stdout and stderr appended to one fd of 70_driver_log.txt, and waits. A
// watcher polls every 50 ms for the killfile (reason "canceled") and the deadline (reason
// "timeout"); either sends SIGTERM (and SIGCONT) to the group and SIGKILL after the grace
// period. When the command's main process exits, anything left in its group gets the same
// TERM-then-KILL treatment, then ended_at and finally exit_code (128+signal for signal deaths)
// are written, each atomically (temporary file + rename).
//
// In an Azure ML service job the shim also logs through MLflow: with MLFLOW_TRACKING_URI
// (http://, https:// or azureml://, converted as mlflowrest.TrackingBase does) and MLFLOW_RUN_ID
// in the environment, Run.get_context()'s metrics and tags are buffered and sent to that run with
// runs/log-batch (Bearer $MLFLOW_TRACKING_TOKEN), in the background, on run.flush()/complete()
// and at interpreter exit, and metrics.jsonl is still written when AMLGO_RUN_DIR is set. The
// mapping of each azureml call to MLflow data, what is not sent and what a killed script loses
// are in shim/azureml/core/_mlflow.py's docstring.
package driver
