package arm

import (
	"fmt"
	"net/url"
	"strings"
)

// WorkspaceID identifies an Azure ML workspace.
type WorkspaceID struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
}

// String returns the workspace's ARM resource id.
func (id WorkspaceID) String() string {
	return "/subscriptions/" + id.SubscriptionID + "/resourceGroups/" + id.ResourceGroup +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + id.Name
}

// path returns the escaped URL path of the workspace.
func (id WorkspaceID) path() string {
	return "/subscriptions/" + url.PathEscape(id.SubscriptionID) + "/resourceGroups/" +
		url.PathEscape(id.ResourceGroup) + "/providers/Microsoft.MachineLearningServices/workspaces/" +
		url.PathEscape(id.Name)
}

// computePath returns the escaped URL path of a compute of the workspace.
func (id WorkspaceID) computePath(name string) string {
	return id.path() + "/computes/" + url.PathEscape(name)
}

// ComputeID returns the ARM resource id of the workspace's compute called name.
func (id WorkspaceID) ComputeID(name string) string { return id.String() + "/computes/" + name }

// Validate checks that every part is set.
func (id WorkspaceID) Validate() error {
	switch {
	case id.SubscriptionID == "":
		return fmt.Errorf("arm: workspace id %q: empty subscription id", id.String())
	case id.ResourceGroup == "":
		return fmt.Errorf("arm: workspace id %q: empty resource group", id.String())
	case id.Name == "":
		return fmt.Errorf("arm: workspace id %q: empty workspace name", id.String())
	}
	return nil
}

// ParseWorkspaceID parses a workspace ARM id
// (/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>);
// segments after the workspace name (e.g. /projects/<p>) are ignored, as azureml-core does with a
// project.json Scope. Segment names are matched without regard to case.
func ParseWorkspaceID(id string) (WorkspaceID, error) {
	parts := strings.Split(strings.TrimPrefix(id, "/"), "/")
	if len(parts) < 8 || !strings.EqualFold(parts[0], "subscriptions") ||
		!strings.EqualFold(parts[2], "resourceGroups") || !strings.EqualFold(parts[4], "providers") ||
		!strings.EqualFold(parts[5], "Microsoft.MachineLearningServices") || !strings.EqualFold(parts[6], "workspaces") {
		return WorkspaceID{}, fmt.Errorf("arm: %q is not a workspace resource id", id)
	}
	w := WorkspaceID{SubscriptionID: parts[1], ResourceGroup: parts[3], Name: parts[7]}
	if err := w.Validate(); err != nil {
		return WorkspaceID{}, err
	}
	return w, nil
}
