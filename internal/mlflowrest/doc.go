// Package mlflowrest is a small client of the MLflow tracking REST API 2.0: the part amlgo needs
// to read a service job's metrics from an Azure ML workspace's MLflow endpoint (GetRun,
// MetricHistory) and to write runs and metrics (GetOrCreateExperiment, CreateRun, LogBatch,
// SetTerminated), as the test service emulator does.
//
// The client is built on the API root, the part of the URL before /api/2.0/mlflow/...:
// TrackingBase turns a workspace's tracking URI
//
//	azureml://{host}/mlflow/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}
//
// into https://{host}/mlflow/v2.0/subscriptions/.../workspaces/{ws}; a plain MLflow server's
// http:// or https:// URL is its own root. Azure ML wants a bearer token for the ARM scope
// (https://management.azure.com/.default) on every call: Options.Token supplies it.
//
// Limits respected on the wire:
//   - metrics/get-history is paged with max_results (Options.PageSize, default 500) and
//     page_token: Azure ML rejects max_results of 1000 or more ("MaxResults must be less than
//     1000"), and MLflow's own client default of 25000 with it; a token that does not advance is
//     an error, not an endless loop.
//   - runs/log-batch carries at most 1000 metrics, 100 params, 100 tags and 1000 entities in all
//     (MLflow's limits), at most MaxValuesPerKey values of one metric key (Azure ML's limit) and
//     about MaxBatchBytes of JSON; LogBatch splits larger inputs into several calls, in order.
//
// Errors from the server are *Error values carrying the HTTP status and MLflow's error_code and
// message (errors.Is(err, ErrNotFound) for RESOURCE_DOES_NOT_EXIST); 429 and 503 answers are
// retried a bounded number of times, honouring Retry-After. The token never appears in an error.
package mlflowrest
