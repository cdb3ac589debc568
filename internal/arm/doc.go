// Package arm connects amlgo to Microsoft's generated Resource Manager clients:
// armmachinelearning/v4 (Microsoft.MachineLearningServices, api-version 2024-04-01) and
// armcontainerinstance/v2 (Microsoft.ContainerInstance, api-version 2023-05-01). Those clients
// build and send every request; service failures are their *azcore.ResponseError.
//
// The package holds only what the clients lack:
//
//   - Clients: the clients of one subscription, built from one credential and one set of
//     options, plus the pipeline that polls amlgo's own long-running-operation results.
//   - Begin and Resume: a long-running operation started by a generated client, re-homed into a
//     runtime.Poller[T] whose final resource decodes into an amlgo result type T (the generated
//     pollers are fixed to the generated response types). Polling and resume tokens are
//     azcore's; a token is bound to its result type.
//   - StatusOf: the operation state of a polling response, which azureml-core prints while it
//     waits for a provisioning operation.
//   - SSHAttach and ListComputeKeys: the administrator account's "passphrase" member that
//     azureml-core sends when it attaches a VM or HDInsight cluster with an encrypted private
//     key, and that listKeys returns, but that the 2024-04-01 model (VirtualMachineSshCredentials)
//     does not have.
//
// Package armfake is the fake Resource Manager the tests run the clients against.
package arm
