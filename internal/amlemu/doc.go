// Package amlemu is a test emulator of the Azure Machine Learning service for amlgo's
// service-job path (AmlCompute clusters): it extends the fake Resource Manager of
// internal/arm/armfake with the operations a job needs, following the REST spec's shapes and
// status codes, and executes every job for real.
//
//   - Code versions: list by content hash, startPendingUpload handing out a SAS for a real
//     Azurite container, PUT/GET (armfake's asset store).
//   - Environment versions (armfake's asset store).
//   - Jobs: PUT (CommandJob), GET, list, cancel (an LRO), walking the service's status sequence
//     NotStarted, Queued, Preparing, Running, Finalizing and a terminal state.
//   - The workspace's discovery document and run history's run details (logFiles: SAS URLs of
//     the job's log blobs), the artifact datastore (workspaceartifactstore, listSecrets: a SAS)
//     and the default datastore (workspaceblobstore, listSecrets: the account key), both
//     AzureBlob on Azurite; Datastores_List with isDefault.
//   - MLflow's REST API under the workspace's tracking URI, proxied to a real MLflow tracking
//     server (run ids translated: the service's MLflow run id is the job name).
//
// Each CommandJob runs in a container on a real Docker engine: its code downloaded from
// Azurite, its image made from the environment version (base image plus conda layer, as
// internal/dockerexec makes them), its output appended to the log blob as it is written, its
// outputs/ uploaded at the end. Faults can be injected: throttled job GETs, a node lost mid-run,
// a log file that appears late.
//
// This is test code, not a second product: nothing outside tests, benchmarks and examples' test
// modes uses it.
package amlemu
