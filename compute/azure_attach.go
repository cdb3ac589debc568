package compute

import (
	"context"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

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
func (a *sshAttach) request(computeType, location string) (*arm.ComputeResource, error) {
	port := int32(a.SSHPort)
	if port == 0 {
		port = 22
	}
	creds := &arm.SSHCredentials{Username: a.Username, Password: a.Password}
	if a.PrivateKeyFile != "" {
		p, err := absUserPath(a.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: Error while reading key information: %w", ErrInvalidAttachConfig, err)
		}
		key, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%w: Error while reading key information: %w", ErrInvalidAttachConfig, err)
		}
		creds.PrivateKeyData, creds.Passphrase = string(key), a.PrivateKeyPassphrase
	}
	props := map[string]any{"sshPort": port, "administratorAccount": creds}
	if a.Address != "" {
		props["address"] = a.Address
	}
	res := &arm.ComputeResource{Location: location, Properties: &arm.Compute{ComputeType: computeType, ResourceID: a.ResourceID}}
	if err := res.Properties.SetProperties(props); err != nil {
		return nil, err
	}
	return res, nil
}

// provision sends a create or attach body, waits for the operation and returns the compute.
// A failed operation is a *ProvisioningError with the service's provisioning errors.
func provision(ctx context.Context, az *wsaccess.AzureWorkspace, name, what string, body *arm.ComputeResource) (*arm.ComputeResource, error) {
	p, err := az.Client.BeginCreateOrUpdateCompute(ctx, az.ID, name, body, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: %s %q: %w", what, name, err)
	}
	_, perr := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: provisioningPollInterval})
	if perr != nil && !isResponseError(perr) {
		return nil, fmt.Errorf("compute: %s %q: %w", what, name, perr)
	}
	res, err := getARM(ctx, az, name)
	if err != nil {
		return nil, err
	}
	if perr != nil || res.Properties.ProvisioningState == "Failed" || res.Properties.ProvisioningState == "Canceled" {
		state := res.Properties.ProvisioningState
		if state == "" {
			state = "Failed"
		}
		return nil, &ProvisioningError{Target: name, State: state, Errors: serviceErrors(res.Properties.ProvisioningErrors), Err: perr}
	}
	return res, nil
}
