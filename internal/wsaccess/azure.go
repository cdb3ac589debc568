package wsaccess

import "github.com/amlgo/amlgo/internal/arm"

// AzureWorkspace is the Resource Manager side of an Azure workspace.
type AzureWorkspace struct {
	// Client calls Resource Manager with the workspace's credential and options.
	Client *arm.Client
	// ID identifies the workspace.
	ID arm.WorkspaceID
	// Location is the workspace's Azure region.
	Location string
}

// Azure returns the Resource Manager side of an Azure workspace (a *workspace.Workspace from
// workspace.Get or workspace.FromConfig), or false for any other value. Package workspace
// assigns it in its init function.
var Azure = func(ws any) (*AzureWorkspace, bool) { return nil, false }
