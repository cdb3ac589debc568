// Package amlgo is a Go SDK mirroring Azure Machine Learning's azureml-core v1 object model:
// Workspace, ComputeTarget, RunConfiguration, ScriptRunConfig, Experiment.Submit and
// Run.WaitForCompletion. This package holds no code; the packages below do the work.
//
// # Package map
//
// Each package has one job and imports only packages below it (amlgo packages listed; "ARM"
// means Microsoft's armmachinelearning/v4 client on azcore):
//
//	package               job                                                        imports
//	conda                 CondaDependencies: create, parse, edit, serialize, hash    –
//	snapshot              snapshots of a source directory: ignore rules, manifest    –
//	runconfig             RunConfiguration, Environment, ScriptRunConfig; .runconfig conda
//	workspace             the Workspace handle: local embedded or Azure              internal/arm, internal/store, internal/wsaccess, ARM
//	compute               the public face of the targets: ComputeTarget, Local, DSVM, conda, runconfig, snapshot, workspace,
//	                      BatchCluster, ContainerInstance, HDInsight, Get/List/       internal/arm, internal/dockerexec, internal/driver,
//	                      Create*/Attach*/Begin*; translates a Job for a mechanism   internal/envbuild, internal/localexec, internal/remotehost,
//	                                                                                 internal/rundir, internal/sshx, internal/store, internal/wsaccess, ARM
//	compute/computetest   the conformance suite every runnable target passes         compute, runconfig, snapshot, internal/testenv
//	experiment            Experiment, Submit, Run: wait, logs, metrics, files        compute, runconfig, snapshot, workspace,
//	                                                                                 internal/store, internal/wsaccess
//	internal/rundir       the run directory as the SDK sees it: the Observer over an internal/driver, internal/sshx
//	                      abstract FS (local files, SFTP), the control log, local
//	                      run-file helpers
//	internal/localexec    a driver detached on this machine: launch, identity,       internal/driver, internal/rundir
//	                      state, reattach, cancel, collect, run files
//	internal/codeasset    code assets: azure-ai-ml's content hash, parallel upload    snapshot, azblob
//	                      to a SAS container
//	internal/mlflowrest   an MLflow REST client (runs, paged metric history, batches) –
//	internal/amlemu       test code: the Azure ML service emulator (jobs run in     internal/arm/armfake, internal/dockerexec,
//	                      containers, Azurite, MLflow proxy); StartStack            internal/azuritetest, internal/mlflowtest
//	internal/dockertest,  test code: a private dockerd, offline images, registry;    internal/testenv, internal/mlflowrest
//	internal/azuritetest, Azurite; a real MLflow server
//	internal/mlflowtest
//	internal/dockerexec   a driver in a Docker container: engine (API negotiated),    internal/driver, internal/rundir, moby client
//	                      image by content hash (pull with credentials, conda layer,
//	                      build lock), container by name, cancel, cleanup
//	internal/remotehost   the SSH host of a VM: shared connection and retry,        conda, snapshot, internal/driver, internal/envbuild,
//	                      credentials in memory, host check, content-addressed      internal/sshx
//	                      blob sync, materialize, environment scripts, driver
//	                      install, launch, cancel, collect, run files
//	internal/driver       what runs on a target: the wrapper script and the Python   –
//	                      run-context shim; the run directory layout; identities
//	internal/envbuild     an Environment made runnable: interpreter, cached conda    conda
//	                      env, the build lock
//	internal/sshx         SSH: dial, auth, host keys, keepalive, SFTP, remote exec   –
//	internal/store        the local workspace's SQLite store and blob directory      –
//	internal/wsaccess     amlgo's own access to a workspace's store and ARM client   internal/arm, internal/store
//	internal/arm          connection to the ARM clients (what they lack), armfake    ARM
//	internal/testenv      real-component tests: skip cleanly, or fail when required  –
//
// # Where to look
//
//   - A local run's launch: internal/localexec/launch.go (compute/local.go prepares the run
//     directory and environment and builds the command it launches).
//   - A VM's snapshot sync: internal/remotehost/sync.go (SyncBlobs, Materialize; called from
//     compute/dsvm_start.go).
//   - Where any SDK-driven run's log is read: internal/rundir/observer.go (over
//     internal/rundir/fs.go locally, internal/rundir/sftp.go on a VM).
//   - A docker-enabled run: compute/local_docker.go and compute/dsvm_docker.go (from
//     compute/docker.go's translation of the run configuration) over internal/dockerexec.
//   - A cluster's creation: compute/batch_cluster.go (CreateBatchCluster, BeginCreateBatchCluster).
package amlgo
