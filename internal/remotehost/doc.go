// Package remotehost is the SSH host a VM target runs on: one connection per workspace target
// and process (Shared; re-dialed with backoff when it drops, Retry), credentials in memory only
// (Config, Credentials, a key source for service-held keys), the host check (Check, Report),
// the content-addressed blob store and the working directory materialized from it (SyncBlobs,
// Materialize), environment preparation by shell script (PrepareEnv), the driver and shim
// install (InstallSupport), and a run's launch, cancel, output collection and file reads
// (Launch, Cancel, Collect, OpenRunFile). Observing a run is internal/rundir's Observer over
// the Host's SFTP connection (Host implements rundir.SFTPConn).
//
// It takes plain values (paths, argv, environment assignments, a snapshot) and imports no public
// amlgo package except snapshot; compute's DSVM target translates a Job into these calls.
package remotehost
