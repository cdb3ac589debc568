package compute

import (
	"context"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/wsaccess"
)

// sshAttach is what an SSH-reachable target (VM or HDInsight cluster) sends to be attached.
type sshAttach struct {
	ResourceID           string
	Address              string
	SSHPort              int
	Username             string
	Password             string
	PrivateKeyFile       string
	PrivateKeyPassphrase string
}

// validate checks a with azureml-core's RemoteCompute/HDInsightCompute attach messages.
func (a *sshAttach) validate() error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidAttachConfig, msg) }
	switch {
	case a.Address == "" && a.ResourceID == "":
		return bad("Error, missing address/resource_id.")
	case a.SSHPort < 0 || a.SSHPort > 65535:
		return bad("Error, missing ssh-port.")
	case a.Username == "":
		return bad("Error, no username provided. Please provide a username and either apassword or key information.")
	case a.Password == "" && a.PrivateKeyFile == "":
		return bad("Error, no password or key information provided. Please provide either a password or key information.")
	case a.Password != "" && a.PrivateKeyFile != "":
		return bad("Invalid attach information, both password and key information provided. Please provide either a password or key information")
	}
	return nil
}

// request builds the attach body. The password or the private key (read from its file) and
// its passphrase go into the body only: nothing else keeps them.
func (a *sshAttach) request(computeType armmachinelearning.ComputeType, location string) (armmachinelearning.ComputeResource, error) {
	port := int32(a.SSHPort)
	if port == 0 {
		port = 22
	}
	creds := &armmachinelearning.VirtualMachineSSHCredentials{Username: ptrOrNil(a.Username), Password: ptrOrNil(a.Password)}
	passphrase := ""
	if a.PrivateKeyFile != "" {
		p, err := absUserPath(a.PrivateKeyFile)
		if err != nil {
			return armmachinelearning.ComputeResource{}, fmt.Errorf("%w: Error while reading key information: %w", ErrInvalidAttachConfig, err)
		}
		key, err := os.ReadFile(p)
		if err != nil {
			return armmachinelearning.ComputeResource{}, fmt.Errorf("%w: Error while reading key information: %w", ErrInvalidAttachConfig, err)
		}
		creds.PrivateKeyData, passphrase = to.Ptr(string(key)), a.PrivateKeyPassphrase
	}
	var c armmachinelearning.ComputeClassification
	switch computeType {
	case armmachinelearning.ComputeTypeHDInsight:
		c = &armmachinelearning.HDInsight{ComputeType: to.Ptr(computeType), ResourceID: ptrOrNil(a.ResourceID),
			Properties: &armmachinelearning.HDInsightProperties{Address: ptrOrNil(a.Address), SSHPort: &port, AdministratorAccount: creds}}
	default:
		c = &armmachinelearning.VirtualMachine{ComputeType: to.Ptr(computeType), ResourceID: ptrOrNil(a.ResourceID),
			Properties: &armmachinelearning.VirtualMachineSchemaProperties{Address: ptrOrNil(a.Address), SSHPort: &port, AdministratorAccount: creds}}
	}
	return armmachinelearning.ComputeResource{Location: ptrOrNil(location), Properties: &arm.SSHAttach{Compute: c, Passphrase: passphrase}}, nil
}

// ptrOrNil returns &s, or nil for "" (a member the request leaves out).
func ptrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// beginCreateOrUpdate sends a compute's create or attach body with the Computes client and
// returns the operation's poller, whose final compute decodes into T.
func beginCreateOrUpdate[T any](ctx context.Context, az *wsaccess.AzureWorkspace, name string, body armmachinelearning.ComputeResource) (*runtime.Poller[T], error) {
	return arm.Begin[T](ctx, az.Clients, func(ctx context.Context) error {
		_, err := az.Clients.Computes.BeginCreateOrUpdate(ctx, az.ResourceGroup, az.Name, name, body, nil)
		return err
	})
}

// provision waits for a create or attach operation and returns the compute. A failed operation
// is a *ProvisioningError with the service's provisioning errors.
func provision[T any](ctx context.Context, az *wsaccess.AzureWorkspace, name, what string, p *runtime.Poller[T]) (*armmachinelearning.ComputeResource, error) {
	_, perr := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: provisioningPollInterval})
	if perr != nil && !isResponseError(perr) {
		return nil, fmt.Errorf("compute: %s %q: %w", what, name, perr)
	}
	res, err := getARM(ctx, az, name)
	if err != nil {
		return nil, err
	}
	b := baseOf(res)
	if state := deref(b.ProvisioningState); perr != nil || state == armmachinelearning.ProvisioningStateFailed || state == armmachinelearning.ProvisioningStateCanceled {
		if state == "" {
			state = armmachinelearning.ProvisioningStateFailed
		}
		return nil, &ProvisioningError{Target: name, State: string(state), Errors: serviceErrors(b.ProvisioningErrors), Err: perr}
	}
	return res, nil
}
