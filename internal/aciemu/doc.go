// Package aciemu is a test emulator of Azure Container Instances and of the workspace's Azure
// Container Registry for amlgo's containerinstance target. It extends the fake Resource Manager
// of internal/arm/armfake with Microsoft.ContainerInstance container groups at the api-version
// armcontainerinstance/v2 sends (2023-05-01) and with Microsoft.ContainerRegistry registries
// (Get, ListCredentials) at armcontainerregistry's (2023-07-01), and runs every container group
// for real on a Docker engine:
//
//   - PUT validates as ACI does (location, name, osType, restartPolicy, resource requests and
//     limits, the region's per-group maximum: 4 CPU and 16 GB by default) and answers 201 with
//     provisioningState Pending and an Azure-AsyncOperation monitor. The images are then pulled
//     with the group's imageRegistryCredentials (events Pulling, Pulled, or Failed and BackOff
//     and the group Failed when the pull fails), the containers created (exec-form command as
//     entrypoint, environment values and secure values, CPU and memory limits from the
//     requests or limits, the CPU limit capped at the engine's CPU count, network "host") and
//     started (Created, Started): provisioningState Succeeded, state Running. When a container
//     exits its currentState is Terminated with the engine's exit code and detailStatus
//     Completed, Error or OOMKilled; the group's state is Succeeded or Failed.
//   - A PUT on an existing group follows ACI's update rules: refused (409) while it is still
//     transitioning, once it has terminated (state Succeeded or Failed), or when it changes
//     the location, osType, restartPolicy or a container's resources; otherwise (even with the
//     same properties) its containers are replaced and restarted.
//   - GET returns the stored group (secure values and registry passwords removed) with its
//     instance view; list by resource group or subscription; POST stop (SIGTERM, SIGKILL after
//     a grace period; state Stopped; a creation still under way ends Canceled); DELETE (202 and a monitor; the engine containers are
//     removed, then the group); container logs from the engine (tail, timestamps, the last
//     4 MB).
//   - The registry's login server is a recording proxy of a real registry (dockertest's
//     docker-registry), so a test can prove that a run pushed nothing (Pushes) and read what
//     the registry holds (Catalog).
//
// Only Linux groups with restartPolicy Never are run; properties the emulator cannot honour
// (volumes, ports, GPUs, probes, subnets, ...) are refused with 400 NotSupportedByEmulator
// rather than ignored. A secure value or registry password sent in a PUT is recorded with
// armfake, so a response that would carry one (a GET, or a log that printed it) fails the test.
// Tests observe and steer groups with WaitGroup, HoldCreation, FailNextCreation and SetLogLimit,
// and list a group's engine containers with EngineContainers; the engine containers carry
// labels (LabelEmulator, LabelGroup, LabelOwner) that Close and SweepLeftovers remove them by.
//
// This is test code: nothing outside tests, benchmarks and examples' emulator modes uses it.
package aciemu
