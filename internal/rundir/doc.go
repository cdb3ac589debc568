// Package rundir is the run directory as the SDK sees it: the files the driver wrapper
// (internal/driver) writes on a host, read back into Observations.
//
// One Observer serves every SDK-driven target. It reads status (exit code, start and end times,
// kill file, the driver's liveness), new log bytes and new metric records by byte offset from a
// Cursor, over an abstract FS: OSFS for this machine, SFTPFS for a VM over SSH. Because every
// read starts at the caller's offsets, repeating an observation after a dropped connection or
// from a restarted process loses and duplicates nothing.
//
// The package also holds the control log writer (azureml-logs/60_control_log.txt, one UTC
// timestamp per line) and the local-file helpers the local target needs (exit code, atomic
// writes, safe run-file paths, collecting outputs).
//
// It takes plain values (paths, identities, writers) and imports no public amlgo package;
// compute converts its types into the public ones.
package rundir
