package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// HDInsightAttachConfig describes an existing HDInsight Spark cluster to attach, as
// azureml-core's HDInsightCompute.attach_configuration. The cluster is named by ResourceID,
// or by SubscriptionID (default: the workspace's), ResourceGroup and ClusterName; Address is
// its SSH endpoint (default <ClusterName>-ssh.azurehdinsight.net). Exactly one of Password
// and PrivateKeyFile authenticates; they are sent to the service only, never stored or
// logged by amlgo.
type HDInsightAttachConfig struct {
	ResourceID     string
	SubscriptionID string
	ResourceGroup  string
	ClusterName    string
	Address        string
	// SSHPort is the SSH port (0 = 22).
	SSHPort              int
	Username             string
	Password             string `json:"-"`
	PrivateKeyFile       string
	PrivateKeyPassphrase string `json:"-"`
	// KnownHostsFile, HostKey and InsecureIgnoreHostKey check the head node's host key when
	// amlgo connects to it itself (a local workspace), as for RemoteAttachConfig.
	KnownHostsFile        string
	HostKey               string
	InsecureIgnoreHostKey bool
}

// String describes the configuration without its secrets.
func (c HDInsightAttachConfig) String() string {
	return fmt.Sprintf("HDInsightAttachConfig(resource_id=%q, cluster_name=%q, address=%q, ssh_port=%d, username=%q)",
		c.ResourceID, c.ClusterName, c.Address, c.SSHPort, c.Username)
}

// GoString is String, so that %#v shows no secret either.
func (c HDInsightAttachConfig) GoString() string { return c.String() }

// HDInsight is an HDInsight Spark cluster (azureml-core's HDInsightCompute), attached to an
// Azure workspace through the service, or to a local workspace by its head node's SSH endpoint;
// on a local workspace it runs PySpark jobs (see Start).
type HDInsight struct {
	name     string
	ws       *workspace.Workspace
	az       *wsaccess.AzureWorkspace
	address  string
	sshPort  int
	username string
	resource string

	vm   *DSVM // the head node over SSH; nil for a cluster of an Azure workspace
	opts HDInsightOptions
}

var (
	_ ComputeTarget = (*HDInsight)(nil)
	_ Detacher      = (*HDInsight)(nil)
)

// AttachHDInsight attaches an HDInsight cluster to an Azure workspace under name and waits
// for the service to accept it. BeginAttachHDInsight is the non-blocking form. On a local
// workspace it attaches the cluster by its SSH endpoint, as AttachRemote attaches a VM: it
// connects once (checking the host key), checks the head node and records the target without
// its password or key passphrase.
func AttachHDInsight(ctx context.Context, ws *workspace.Workspace, name string, cfg *HDInsightAttachConfig) (*HDInsight, error) {
	if ws != nil && ws.Local() {
		h, err := attachHDInsightLocal(ctx, ws, name, cfg)
		return h, errtext.Public(err)
	}
	az, err := azureOf(ws, "AttachHDInsight")
	if err != nil {
		return nil, err
	}
	p, err := beginAttachHDInsight(ctx, az, name, cfg)
	if err != nil {
		return nil, err
	}
	res, err := provision(ctx, az, name, "attaching HDInsight", p)
	if err != nil {
		return nil, err
	}
	hdi, ok := res.Properties.(*armmachinelearning.HDInsight)
	if !ok {
		return nil, fmt.Errorf("compute: attaching HDInsight %q: the service returned a %s compute", name, deref(baseOf(res).ComputeType))
	}
	return hdinsightFromARM(ws, az, res, hdi)
}

// BeginAttachHDInsight starts attaching an HDInsight cluster to an Azure workspace, as
// AttachHDInsight does, and returns the operation's poller (see BeginOptions): its result is
// the cluster as the service reports it, and compute.Get then returns the *HDInsight. With
// opts.ResumeToken it continues an attachment started earlier; name and cfg are then ignored.
func BeginAttachHDInsight(ctx context.Context, ws *workspace.Workspace, name string, cfg *HDInsightAttachConfig, opts *BeginOptions) (*runtime.Poller[TargetResult], error) {
	az, err := azureOf(ws, "BeginAttachHDInsight")
	if err != nil {
		return nil, err
	}
	if opts.resuming() {
		return resume[TargetResult](az, opts, "HDInsight attachment")
	}
	return beginAttachHDInsight(ctx, az, name, cfg)
}

// beginAttachHDInsight validates cfg with azureml-core's messages and sends the attach request.
func beginAttachHDInsight(ctx context.Context, az *wsaccess.AzureWorkspace, name string, cfg *HDInsightAttachConfig) (*runtime.Poller[TargetResult], error) {
	if err := checkNewName(name); err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, errors.New("compute: nil HDInsightAttachConfig")
	}
	c := *cfg
	if c.ResourceID == "" && c.ClusterName != "" {
		if c.ResourceGroup == "" {
			return nil, fmt.Errorf("%w: Error, missing resource_group for cluster %s.", ErrInvalidAttachConfig, c.ClusterName)
		}
		sub := c.SubscriptionID
		if sub == "" {
			sub = az.SubscriptionID
		}
		c.ResourceID = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.HDInsight/clusters/%s", sub, c.ResourceGroup, c.ClusterName)
	}
	if c.Address == "" && c.ClusterName != "" {
		c.Address = c.ClusterName + "-ssh.azurehdinsight.net"
	}
	a := sshAttach{ResourceID: c.ResourceID, Address: c.Address, SSHPort: c.SSHPort, Username: c.Username,
		Password: c.Password, PrivateKeyFile: c.PrivateKeyFile, PrivateKeyPassphrase: c.PrivateKeyPassphrase}
	if err := a.validate(); err != nil {
		return nil, err
	}
	body, err := a.request(armmachinelearning.ComputeTypeHDInsight, az.Location)
	if err != nil {
		return nil, err
	}
	p, err := beginCreateOrUpdate[TargetResult](ctx, az, name, body)
	if err != nil {
		return nil, fmt.Errorf("compute: attaching HDInsight %q: %w", name, err)
	}
	return p, nil
}

func hdinsightFromARM(ws *workspace.Workspace, az *wsaccess.AzureWorkspace, res *armmachinelearning.ComputeResource, hdi *armmachinelearning.HDInsight) (*HDInsight, error) {
	p := deref(hdi.Properties)
	h := &HDInsight{name: deref(res.Name), ws: ws, az: az, address: deref(p.Address), sshPort: 22, resource: deref(hdi.ResourceID)}
	if p.SSHPort != nil {
		h.sshPort = int(*p.SSHPort)
	}
	if p.AdministratorAccount != nil {
		h.username = deref(p.AdministratorAccount.Username)
	}
	return h, nil
}

// Name returns the target's name.
func (h *HDInsight) Name() string { return h.name }

// Type returns TypeHDInsight.
func (h *HDInsight) Type() Type { return TypeHDInsight }

// Capabilities of HDInsight, as azureml-core documents them.
func (h *HDInsight) Capabilities() Capabilities {
	return Capabilities{HyperparameterTuning: true, ModelSelection: true, Pipelines: true}
}

// Address returns the cluster's SSH address and port.
func (h *HDInsight) Address() (string, int) { return h.address, h.sshPort }

// ResourceID returns the cluster's ARM id ("" when attached by address).
func (h *HDInsight) ResourceID() string { return h.resource }

// Status reads the target's provisioning state from the service.
func (h *HDInsight) Status(ctx context.Context) (ProvisioningState, error) {
	if h.vm != nil {
		return h.vm.Status(ctx)
	}
	res, err := getARM(ctx, h.az, h.name)
	if err != nil {
		return ProvisioningUnknown, err
	}
	return ProvisioningState(deref(baseOf(res).ProvisioningState)), nil
}

// Detach removes the cluster from the workspace; the cluster itself is untouched. BeginDetach
// is the non-blocking form.
func (h *HDInsight) Detach(ctx context.Context) error {
	if h.vm != nil {
		hdiOptions.Delete(secretKey(h.ws, h.name))
		return h.vm.Detach(ctx)
	}
	return deleteOrDetach(ctx, h.az, h.name, armmachinelearning.UnderlyingResourceActionDetach)
}

// BeginDetach starts detaching the cluster, as Detach does, and returns the operation's poller
// (see BeginOptions).
func (h *HDInsight) BeginDetach(ctx context.Context, opts *BeginOptions) (*runtime.Poller[DeleteResult], error) {
	return beginDelete(ctx, h.az, h.name, armmachinelearning.UnderlyingResourceActionDetach, opts)
}

// Delete is refused: an attached cluster is detached, not deleted.
func (h *HDInsight) Delete(ctx context.Context) error {
	return fmt.Errorf("%w: Delete is not supported for HDICompute object. Try to use detach instead.", ErrUnsupported)
}
