// Package arm is amlgo's hand-written Azure Resource Manager client for the
// Microsoft.MachineLearningServices operations the SDK uses (workspaces and
// compute targets), built directly on azcore: the arm.Client pipeline
// (bearer token, retries with Retry-After, logging), runtime.Poller for
// long-running operations (Azure-AsyncOperation or Location) and
// runtime.Pager for listings, following nextLink verbatim. Every service
// failure is an *azcore.ResponseError.
//
// The models decode enums as open strings and keep the JSON members they do
// not model (Extra), so re-encoding a value loses nothing the service sent.
package arm
