// Package compute holds the ComputeTarget interface and its implementations.
//
// A ComputeTarget runs a job — a snapshot of a source directory plus a Python entry point and an
// environment — and returns an Execution that the experiment package observes until the run ends.
// The core interface is small; optional capabilities are separate interfaces that a target or an
// execution may implement (Reattacher, OutputCollector, Provisioner, Detacher).
//
// Every workspace has the reserved target "local" (Local), which runs the job on this machine in a
// detached driver process that outlives the SDK process that started it. The other azureml-core
// targets — DSVM over SSH, AmlCompute ("Batch") clusters, Azure Container Instances and HDInsight —
// are not implemented yet; Get reports them as unsupported.
package compute
