package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
)

var (
	// ErrNotFound reports a workspace that does not exist in Azure.
	ErrNotFound = errors.New("workspace: workspace not found")

	// ErrRequiresAzureWorkspace reports an operation that needs an Azure workspace (from Get
	// or FromConfig) on a local one.
	ErrRequiresAzureWorkspace = errors.New("workspace: requires an Azure workspace")
)

func init() { wsaccess.Azure = azureOf }

// azureOf implements wsaccess.Azure.
func azureOf(v any) (*wsaccess.AzureWorkspace, bool) {
	w, ok := v.(*Workspace)
	if !ok || w == nil || w.azure == nil {
		return nil, false
	}
	return &wsaccess.AzureWorkspace{Clients: w.azure.clients, SubscriptionID: w.azure.id.SubscriptionID,
		ResourceGroup: w.azure.id.ResourceGroup, Name: w.azure.id.Name, Location: w.azure.info.Location}, true
}

// ID identifies an Azure ML workspace: subscription, resource group and name.
type ID struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
}

// String returns the workspace's ARM resource id.
func (id ID) String() string {
	return "/subscriptions/" + id.SubscriptionID + "/resourceGroups/" + id.ResourceGroup +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + id.Name
}

// validate checks that every part is set.
func (id ID) validate() error {
	switch {
	case id.SubscriptionID == "":
		return fmt.Errorf("workspace: workspace id %q: empty subscription id", id.String())
	case id.ResourceGroup == "":
		return fmt.Errorf("workspace: workspace id %q: empty resource group", id.String())
	case id.Name == "":
		return fmt.Errorf("workspace: workspace id %q: empty workspace name", id.String())
	}
	return nil
}

// workspaceType is the resource type of a workspace.
const workspaceType = "Microsoft.MachineLearningServices/workspaces"

// ParseID parses a workspace ARM resource id
// (/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>).
// The id of a resource under the workspace (e.g. an azureml-core project.json Scope ending in
// /projects/<p>) gives its workspace. Names of segments and types match without regard to case.
func ParseID(armID string) (ID, error) {
	r, err := azarm.ParseResourceID(armID)
	if err != nil {
		return ID{}, fmt.Errorf("workspace: %q is not a workspace resource id: %w", armID, err)
	}
	for ; r != nil; r = r.Parent {
		if strings.EqualFold(r.ResourceType.String(), workspaceType) {
			id := ID{SubscriptionID: r.SubscriptionID, ResourceGroup: r.ResourceGroupName, Name: r.Name}
			if err := id.validate(); err != nil {
				return ID{}, err
			}
			return id, nil
		}
	}
	return ID{}, fmt.Errorf("workspace: %q is not a workspace resource id", armID)
}

// AzureInfo describes an Azure workspace as Resource Manager reports it.
type AzureInfo struct {
	// ID identifies the workspace.
	ID ID
	// Location is the workspace's Azure region, e.g. "eastus2".
	Location string
	// WorkspaceID is the workspace's GUID.
	WorkspaceID string
	// FriendlyName and Description are the workspace's display name and description.
	FriendlyName, Description string
	// DiscoveryURL is the regional discovery endpoint of the data-plane services.
	DiscoveryURL string
	// MLflowTrackingURI is the workspace's MLflow tracking URI ("" when the service omits it).
	MLflowTrackingURI string
	// StorageAccount, KeyVault, ApplicationInsights and ContainerRegistry are the ARM ids of
	// the workspace's associated resources.
	StorageAccount, KeyVault, ApplicationInsights, ContainerRegistry string
	// ProvisioningState is the workspace's provisioning state (open set of strings).
	ProvisioningState string
}

func infoOf(w *armmachinelearning.Workspace) (AzureInfo, error) {
	if w == nil {
		return AzureInfo{}, errors.New("workspace: the service returned no workspace")
	}
	id, err := ParseID(deref(w.ID))
	if err != nil {
		return AzureInfo{}, err
	}
	info := AzureInfo{ID: id, Location: deref(w.Location)}
	if p := w.Properties; p != nil {
		info.WorkspaceID, info.FriendlyName, info.Description = deref(p.WorkspaceID), deref(p.FriendlyName), deref(p.Description)
		info.DiscoveryURL, info.MLflowTrackingURI = deref(p.DiscoveryURL), deref(p.MlFlowTrackingURI)
		info.StorageAccount, info.KeyVault = deref(p.StorageAccount), deref(p.KeyVault)
		info.ApplicationInsights, info.ContainerRegistry = deref(p.ApplicationInsights), deref(p.ContainerRegistry)
		info.ProvisioningState = string(deref(p.ProvisioningState))
	}
	return info, nil
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// azureWorkspace is the Azure side of a Workspace.
type azureWorkspace struct {
	id      ID
	info    AzureInfo
	clients *arm.Clients
}

// GetOptions configures Get, FromConfig and List. nil selects the defaults.
type GetOptions struct {
	// ClientOptions configure the Resource Manager client: cloud, transport, retries,
	// logging (azcore's ARM client options). nil selects azcore's defaults (public cloud).
	ClientOptions *azarm.ClientOptions

	// Dir is the local directory keeping the run history of the workspace's runs on
	// SDK-driven targets (local, VMs, HDInsight). "" means
	// <os.UserCacheDir()>/amlgo/azure/<key>, where key is derived from the workspace's ARM
	// id, so every process using the same workspace shares one history.
	Dir string

	// Logger receives structured debug records; nil discards them.
	Logger *slog.Logger

	// ConfigFileName is for FromConfig only: the configuration file name to look for instead
	// of config.json and project.json (azureml-core's _file_name). Get rejects it.
	ConfigFileName string
}

func (o *GetOptions) orDefault() GetOptions {
	var out GetOptions
	if o != nil {
		out = *o
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	return out
}

// newClients returns the Resource Manager clients of a subscription.
func newClients(cred azcore.TokenCredential, subscriptionID string, o GetOptions) (*arm.Clients, error) {
	if cred == nil {
		return nil, errNoCredential
	}
	c, err := arm.NewClients(subscriptionID, cred, o.ClientOptions)
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	return c, nil
}

// errNoCredential is the error of a nil credential. amlgo does not pick a credential itself, so
// that programs using only local workspaces do not link azidentity and MSAL.
var errNoCredential = errors.New("workspace: nil credential: pass an azcore.TokenCredential, " +
	"e.g. the one azidentity.NewDefaultAzureCredential returns (az login, environment, managed identity)")

// Get returns the Azure workspace id, as azureml-core's Workspace.get: it reads the workspace
// from Resource Manager (an error wrapping ErrNotFound and the *azcore.ResponseError when it
// does not exist) and opens its local run history (GetOptions.Dir). cred authenticates the
// requests, as in the Azure SDK for Go: usually azidentity.NewDefaultAzureCredential's (see
// the FromConfig example). The caller must Close the workspace.
func Get(ctx context.Context, cred azcore.TokenCredential, id ID, opts *GetOptions) (*Workspace, error) {
	o := opts.orDefault()
	if o.ConfigFileName != "" {
		return nil, fmt.Errorf("workspace: GetOptions.ConfigFileName %q is for FromConfig; Get reads no configuration file", o.ConfigFileName)
	}
	if err := id.validate(); err != nil {
		return nil, err
	}
	clients, err := newClients(cred, id.SubscriptionID, o)
	if err != nil {
		return nil, err
	}
	resp, err := clients.Workspaces.Get(ctx, id.ResourceGroup, id.Name, nil)
	if arm.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, id, err)
	}
	if err != nil {
		return nil, fmt.Errorf("workspace: getting %s: %w", id, err)
	}
	info, err := infoOf(&resp.Workspace)
	if err != nil {
		return nil, err
	}
	dir := o.Dir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("workspace: no directory for the run history: %w", err)
		}
		dir = filepath.Join(cache, "amlgo", "azure", historyKey(id))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	st, err := store.Open(abs, &store.Options{Logger: o.Logger})
	if err != nil {
		return nil, fmt.Errorf("workspace: open run history %s: %w", abs, err)
	}
	if err := mkdirPrivate(filepath.Join(abs, runsDirName)); err != nil {
		st.Close()
		return nil, err
	}
	o.Logger.Debug("workspace: opened Azure workspace", "id", id.String(), "location", info.Location, "history", abs)
	return &Workspace{name: id.Name, dir: abs, log: o.Logger, store: st,
		azure: &azureWorkspace{id: id, info: info, clients: clients}}, nil
}

// historyKey names the default run-history directory of a workspace: a digest of its ARM id
// (case-insensitive, as ARM ids are).
func historyKey(id ID) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id.String())))
	return hex.EncodeToString(sum[:8])
}

// List lists the Azure workspaces of a resource group, as azureml-core's Workspace.list.
// cred authenticates the requests, as for Get; only opts.ClientOptions is used.
func List(ctx context.Context, cred azcore.TokenCredential, subscriptionID, resourceGroup string, opts *GetOptions) iter.Seq2[AzureInfo, error] {
	return func(yield func(AzureInfo, error) bool) {
		clients, err := newClients(cred, subscriptionID, opts.orDefault())
		if err != nil {
			yield(AzureInfo{}, err)
			return
		}
		if resourceGroup == "" {
			yield(AzureInfo{}, errors.New("workspace: listing workspaces: empty resource group"))
			return
		}
		for p := clients.Workspaces.NewListByResourceGroupPager(resourceGroup, nil); p.More(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(AzureInfo{}, fmt.Errorf("workspace: listing workspaces of %s/%s: %w", subscriptionID, resourceGroup, err))
				return
			}
			for _, w := range page.Value {
				info, err := infoOf(w)
				if !yield(info, err) {
					return
				}
			}
		}
	}
}

// Azure returns what Resource Manager reported about an Azure workspace when it was opened,
// and false for a local workspace.
func (w *Workspace) Azure() (AzureInfo, bool) {
	if w == nil || w.azure == nil {
		return AzureInfo{}, false
	}
	return w.azure.info, true
}

// String describes an Azure workspace as azureml-core's repr does.
func (a *azureWorkspace) String() string {
	return fmt.Sprintf("Workspace.create(name='%s', subscription_id='%s', resource_group='%s')",
		a.id.Name, a.id.SubscriptionID, a.id.ResourceGroup)
}
