package wsaccess

import "github.com/amlgo/amlgo/internal/arm"

// AzureWorkspace is the Resource Manager side of an Azure workspace.
type AzureWorkspace struct {
	// Clients are the generated clients of the workspace's subscription, with the workspace's
	// credential and options.
	Clients *arm.Clients
	// SubscriptionID, ResourceGroup and Name identify the workspace.
	SubscriptionID, ResourceGroup, Name string
	// Location is the workspace's Azure region.
	Location string
}

// ID returns the workspace's ARM resource id.
func (a *AzureWorkspace) ID() string {
	return "/subscriptions/" + a.SubscriptionID + "/resourceGroups/" + a.ResourceGroup +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + a.Name
}

// ComputeID returns the ARM resource id of the workspace's compute called name.
func (a *AzureWorkspace) ComputeID(name string) string { return a.ID() + "/computes/" + name }

// Azure returns the Resource Manager side of an Azure workspace (a *workspace.Workspace from
// workspace.Get or workspace.FromConfig), or false for any other value. Package workspace
// assigns it in its init function.
var Azure = func(ws any) (*AzureWorkspace, bool) { return nil, false }
