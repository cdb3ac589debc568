// Package compute holds the ComputeTarget interface and its implementations.
//
// A ComputeTarget runs a job — a snapshot of a source directory plus a Python entry point and an
// environment — and returns an Execution that the experiment package observes until the run ends.
// The core interface is small; optional capabilities are separate interfaces that a target or an
// execution may implement (Reattacher, OutputCollector, RunFileOpener, Provisioner, Detacher).
//
// Targets:
//   - Local, the reserved "local" target of every workspace: the job runs on this machine in a
//     detached driver process that outlives the SDK process that started it.
//   - DSVM, a Linux VM driven over SSH (AttachRemote; CreateDSVM on an Azure workspace): the same
//     driver and run-context shim as Local, with only missing snapshot files uploaded and the run
//     observed over SFTP.
//   - On either, a docker-enabled run (docker.useDocker or environment.docker.enabled) runs in a
//     container on the machine's Docker engine (the VM's socket is forwarded over SSH): the
//     image is made from the environment (internal/dockerexec) and the same driver runs inside
//     with the run directory mounted, so such runs are observed, canceled and reattached alike.
//   - BatchCluster (AmlCompute) on Azure workspaces: created, listed, updated, waited for and
//     deleted through Azure Resource Manager, and runs jobs through the Azure ML jobs API: the
//     snapshot becomes a code asset (azure-ai-ml's content hash; uploaded only when new), the
//     environment an anonymous environment version, the run a CommandJob; logs are read by
//     byte range from run history, metrics from the workspace's MLflow endpoint, outputs from
//     the artifact datastore.
//   - HDInsight and ContainerInstance on Azure workspaces: created, attached, listed, detached
//     and deleted. Running jobs on them is not implemented yet: their Start returns an error
//     wrapping ErrUnsupported.
//
// Get and List return targets typed by their computeType, as azureml-core's ComputeTarget does.
package compute
