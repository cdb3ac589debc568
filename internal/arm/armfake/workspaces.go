package armfake

import (
	"net/http"
	"sort"
	"strings"
)

// getWorkspace answers Workspaces_Get.
func (s *Server) getWorkspace(c *call) { s.writeJSON(c.w, http.StatusOK, c.wsBody) }

// listWorkspaces answers Workspaces_ListByResourceGroup, paged.
func (s *Server) listWorkspaces(c *call) {
	prefix := strings.ToLower("/subscriptions/" + c.params["subscriptionId"] + "/resourceGroups/" + c.params["resourceGroupName"] + "/")
	var keys []string
	for k := range s.workspaces {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	items := make([]any, 0, len(keys))
	for _, k := range keys {
		items = append(items, s.workspaces[k])
	}
	s.page(c.w, c.r, "value", items)
}
