package arm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
)

// SSHAttach is the properties of an attach request for a VirtualMachine or HDInsight compute:
// the generated model, plus the passphrase of the administrator account's private key, which
// azureml-core sends (properties.administratorAccount.passphrase) and the 2024-04-01 model
// lacks. Use a *SSHAttach as armmachinelearning.ComputeResource.Properties.
type SSHAttach struct {
	// Compute is a *armmachinelearning.VirtualMachine or *armmachinelearning.HDInsight whose
	// Properties.AdministratorAccount carries the other credentials.
	Compute armmachinelearning.ComputeClassification
	// Passphrase is the private key's passphrase ("" = not sent).
	Passphrase string
}

var _ armmachinelearning.ComputeClassification = (*SSHAttach)(nil)

// GetCompute returns the base compute of a.Compute.
func (a *SSHAttach) GetCompute() *armmachinelearning.Compute { return a.Compute.GetCompute() }

// MarshalJSON encodes a.Compute with the passphrase added to its administrator account.
func (a *SSHAttach) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(a.Compute)
	if err != nil || a.Passphrase == "" {
		return b, err
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(c["properties"], &props); err != nil || props == nil {
		return nil, fmt.Errorf("arm: a passphrase needs the compute's properties (%v)", err)
	}
	var acct map[string]any
	if err := json.Unmarshal(props["administratorAccount"], &acct); err != nil || acct == nil {
		return nil, fmt.Errorf("arm: a passphrase needs the compute's administrator account (%v)", err)
	}
	acct["passphrase"] = a.Passphrase
	if props["administratorAccount"], err = json.Marshal(acct); err != nil {
		return nil, err
	}
	if c["properties"], err = json.Marshal(props); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// String never shows the secrets.
func (a *SSHAttach) String() string {
	t := ""
	if a.Compute != nil && a.Compute.GetCompute() != nil && a.Compute.GetCompute().ComputeType != nil {
		t = string(*a.Compute.GetCompute().ComputeType)
	}
	return fmt.Sprintf("SSHAttach(computeType=%q)", t)
}

// GoString is String, so that %#v shows no secret either.
func (a *SSHAttach) GoString() string { return a.String() }

// ComputeKeys are a compute's secrets, as Compute_ListKeys returns them. The caller must keep
// them out of logs, errors and stored state; String never shows them.
type ComputeKeys struct {
	// Secrets is the generated model, e.g. a *armmachinelearning.VirtualMachineSecrets.
	Secrets armmachinelearning.ComputeSecretsClassification
	// Passphrase is the response's administratorAccount.passphrase ("" when absent), which the
	// 2024-04-01 model lacks.
	Passphrase string
}

// String never shows the secrets.
func (k ComputeKeys) String() string {
	t := ""
	if k.Secrets != nil && k.Secrets.GetComputeSecrets() != nil && k.Secrets.GetComputeSecrets().ComputeType != nil {
		t = string(*k.Secrets.GetComputeSecrets().ComputeType)
	}
	return fmt.Sprintf("ComputeKeys(computeType=%q)", t)
}

// GoString is String, so that %#v shows no secret either.
func (k ComputeKeys) GoString() string { return k.String() }

// ListComputeKeys returns a compute's secrets (the Computes client's ListKeys), with the
// passphrase read from the same response.
func (c *Clients) ListComputeKeys(ctx context.Context, resourceGroup, workspace, name string) (*ComputeKeys, error) {
	var resp *http.Response
	r, err := c.Computes.ListKeys(policy.WithCaptureResponse(ctx, &resp), resourceGroup, workspace, name, nil)
	if err != nil {
		return nil, err
	}
	k := &ComputeKeys{Secrets: r.ComputeSecretsClassification}
	if resp == nil {
		return k, nil
	}
	b, err := runtime.Payload(resp)
	if err != nil {
		return nil, fmt.Errorf("arm: reading the listKeys response: %w", err)
	}
	var raw struct {
		AdministratorAccount *struct {
			Passphrase string `json:"passphrase"`
		} `json:"administratorAccount"`
	}
	if err := json.Unmarshal(b, &raw); err == nil && raw.AdministratorAccount != nil {
		k.Passphrase = raw.AdministratorAccount.Passphrase
	}
	return k, nil
}
