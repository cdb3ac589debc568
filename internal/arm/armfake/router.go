package armfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Path prefixes of the routes.
const (
	mlGroup     = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices"
	mlWorkspace = mlGroup + "/workspaces/{workspaceName}"
	mlCompute   = mlWorkspace + "/computes/{computeName}"
	mlLocation  = "/subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/locations/{location}"
)

// route is one operation of the fake: a method, a path pattern and the api-version the
// operation's resource provider accepts. A pattern's segments are literals, matched without
// regard to case as Resource Manager does, or {parameters}. A route whose pattern has
// {workspaceName} answers 404 unless the workspace exists, and its handler gets the workspace.
type route struct {
	method     string
	pattern    string
	apiVersion string
	handle     func(s *Server, c *call)
}

// routes is the fake's routing table.
var routes = []route{
	{http.MethodGet, mlGroup + "/workspaces", APIVersion, (*Server).listWorkspaces},
	{http.MethodGet, mlWorkspace, APIVersion, (*Server).getWorkspace},

	{http.MethodGet, mlWorkspace + "/computes", APIVersion, (*Server).listComputes},
	{http.MethodGet, mlCompute, APIVersion, (*Server).getCompute},
	{http.MethodPut, mlCompute, APIVersion, (*Server).putCompute},
	{http.MethodPatch, mlCompute, APIVersion, (*Server).patchCompute},
	{http.MethodDelete, mlCompute, APIVersion, (*Server).deleteCompute},
	{http.MethodPost, mlCompute + "/listNodes", APIVersion, (*Server).listNodes},
	// The next pages of Compute_ListNodes, a POST pager, are GETs of the nextLink.
	{http.MethodGet, mlCompute + "/listNodes", APIVersion, (*Server).listNodes},
	{http.MethodPost, mlCompute + "/listKeys", APIVersion, (*Server).listKeys},

	{http.MethodPut, mlWorkspace + "/codes/{name}/versions/{version}", APIVersion, func(s *Server, c *call) { s.putAssetVersion(c, "codes") }},
	{http.MethodGet, mlWorkspace + "/codes/{name}/versions/{version}", APIVersion, func(s *Server, c *call) { s.getAssetVersion(c, "codes") }},
	{http.MethodPut, mlWorkspace + "/environments/{name}/versions/{version}", APIVersion, func(s *Server, c *call) { s.putAssetVersion(c, "environments") }},
	{http.MethodGet, mlWorkspace + "/environments/{name}/versions/{version}", APIVersion, func(s *Server, c *call) { s.getAssetVersion(c, "environments") }},

	{http.MethodGet, mlLocation + "/computeOperationsStatus/{operationId}", APIVersion, (*Server).operationStatus},
	{http.MethodGet, mlLocation + "/computeOperationsResults/{operationId}", APIVersion, (*Server).operationResult},
}

// call is one request matched to a route.
type call struct {
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	// params are the values of the pattern's {parameters}, as sent.
	params map[string]string
	// wsID and wsBody are the workspace of a route under {workspaceName}: its ARM id and its
	// stored body.
	wsID   string
	wsBody json.RawMessage
}

// match returns the values of pattern's parameters in path, or false.
func match(pattern, path string) (map[string]string, bool) {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// dispatch finds the request's route: 404 InvalidResourceType when no pattern matches the path,
// 405 when none has the method, 400 InvalidApiVersionParameter for another api-version than the
// route's (or NextLinkAPIVersion), 404 ResourceNotFound for a missing workspace.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, body []byte) {
	var found *route
	var params map[string]string
	pathMatched := false
	var ext *extra
	for i := range s.extras {
		p, ok := match(s.extras[i].pattern, r.URL.Path)
		if !ok {
			continue
		}
		pathMatched = true
		if s.extras[i].method == r.Method {
			ext, found, params = &s.extras[i], &s.extras[i].route, p
			break
		}
	}
	for i := range routes {
		if found != nil {
			break
		}
		p, ok := match(routes[i].pattern, r.URL.Path)
		if !ok {
			continue
		}
		pathMatched = true
		if routes[i].method == r.Method {
			found, params = &routes[i], p
			break
		}
	}
	switch {
	case found == nil && pathMatched:
		s.methodNotAllowed(w)
		return
	case found == nil:
		s.writeError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found.")
		return
	}
	if v := r.URL.Query().Get("api-version"); (ext == nil || !ext.opts.AnyAPIVersion) && v != found.apiVersion && (s.NextLinkAPIVersion == "" || v != s.NextLinkAPIVersion) {
		s.writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter",
			fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '%s'.", v, found.apiVersion))
		return
	}
	c := &call{w: w, r: r, body: body, params: params}
	if ws, ok := params["workspaceName"]; ok {
		c.wsID = "/subscriptions/" + params["subscriptionId"] + "/resourceGroups/" + params["resourceGroupName"] +
			"/providers/Microsoft.MachineLearningServices/workspaces/" + ws
		b, ok := s.workspaces[strings.ToLower(c.wsID)]
		if !ok {
			s.writeError(w, http.StatusNotFound, "ResourceNotFound",
				fmt.Sprintf("The Resource 'Microsoft.MachineLearningServices/workspaces/%s' under resource group '%s' was not found.", ws, params["resourceGroupName"]))
			return
		}
		c.wsBody = b
	}
	if ext != nil {
		if ext.opts.Unlocked {
			// serve holds the lock and releases it when the handler returns.
			s.mu.Unlock()
			defer s.mu.Lock()
		}
		ext.fn(&Call{W: w, R: r, Body: body, Params: params, WorkspaceID: c.wsID, Workspace: c.wsBody})
		return
	}
	found.handle(s, c)
}
