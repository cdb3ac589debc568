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
//   - Framework PySpark: on Local, the script runs with spark-submit --master local[*] (Spark
//     from SPARK_HOME, the environment's pyspark package, or PATH; ErrNoSpark otherwise), the
//     snapshot and the run-context shim shipped as --py-files, spark.configuration as --conf and
//     environment.spark as --repositories/--packages (internal/sparksubmit).
//   - HDInsight, an HDInsight Spark cluster: on a local workspace it is attached by its head
//     node's SSH endpoint (AttachHDInsight) and runs PySpark jobs only, submitted from the head
//     node with the VM machinery: spark-submit --master yarn --deploy-mode <hdi.yarnDeployMode>
//     under the detached driver, a system-managed conda environment shipped to YARN as an
//     archive, the application master's logs fetched with yarn logs in cluster mode, and cancel
//     killing the YARN application. On Azure workspaces it is attached, listed and detached.
//   - ContainerInstance, the reserved "containerinstance" target of Azure workspaces: one Azure
//     Container Instances group per run, created through Resource Manager; the image run as is
//     or built and pushed to the workspace's registry once per environment hash; the snapshot
//     uploaded by content to the default datastore and read by the container with a read-only
//     SAS; logs and metric records read by byte offset from the append blobs the container
//     writes (internal/containergroup, and the bootstrap in internal/driver).
//
// Get and List return targets typed by their computeType, as azureml-core's ComputeTarget does.
package compute
