// Package sparksubmit is amlgo's Spark submission mechanism: the spark-submit command line of a
// PySpark run (master, deploy mode, --conf, --repositories, --packages, --py-files, --archives),
// and the supervisor that runs it on the machine that submits (this machine, or an HDInsight
// head node over SSH) under amlgo's driver wrapper.
//
// The supervisor (supervisor.py, embedded) is a stdlib-only Python program. It packs the run's
// working directory and the run-context shim into zips for --py-files, packs a conda
// environment into a tar.gz archive (once per environment, cached beside it), starts
// spark-submit, parses the YARN application id from its output, and in YARN cluster mode fetches
// the application master's stdout and stderr with `yarn logs` while the application runs and at
// its end, appending each byte to the driver log exactly once. On SIGTERM (a canceled run or one
// past its maximum duration) it kills the YARN application with `yarn application -kill`. Its
// exit code is spark-submit's, or 1 when YARN's final status is FAILED or KILLED.
//
// Everything the supervisor learns is written into the run directory (the application id,
// YARN's final status), so that a new SDK process or a re-dialed SSH connection observes the
// run again by byte offsets, as for any run.
package sparksubmit
