package armfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// secretPaths are the secret members of a compute PUT body, under properties.properties.
var secretPaths = [][]string{
	{"userAccountCredentials", "adminUserPassword"},
	{"userAccountCredentials", "adminUserSshPublicKey"},
	{"administratorAccount", "password"},
	{"administratorAccount", "privateKeyData"},
	{"administratorAccount", "publicKeyData"},
	{"administratorAccount", "passphrase"},
}

// stripSecrets removes the secrets from a compute body and returns their values.
func stripSecrets(body map[string]any) []string {
	props, _ := body["properties"].(map[string]any)
	inner, _ := props["properties"].(map[string]any)
	var out []string
	for _, p := range secretPaths {
		obj, _ := inner[p[0]].(map[string]any)
		if v, ok := obj[p[1]].(string); ok {
			if v != "" {
				out = append(out, v)
			}
			delete(obj, p[1])
		}
	}
	return out
}

// getCompute answers Compute_Get.
func (s *Server) getCompute(c *call) {
	e := s.computes[computeKey(c.wsID, c.params["computeName"])]
	if e == nil {
		s.notFound(c.w, c.params["computeName"])
		return
	}
	s.writeJSON(c.w, http.StatusOK, e.body)
}

// listComputes answers Compute_List, paged.
func (s *Server) listComputes(c *call) {
	prefix := strings.ToLower(c.wsID) + "/computes/"
	var keys []string
	for k := range s.computes {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	items := make([]any, 0, len(keys))
	for _, k := range keys {
		items = append(items, s.computes[k].body)
	}
	s.page(c.w, c.r, "value", items)
}

// deleteCompute answers Compute_Delete: 400 without a valid underlyingResourceAction, 204 for
// a compute that does not exist, else 202 with Azure-AsyncOperation and Location.
func (s *Server) deleteCompute(c *call) {
	action := c.r.URL.Query().Get("underlyingResourceAction")
	if !strings.EqualFold(action, "Delete") && !strings.EqualFold(action, "Detach") {
		s.writeError(c.w, http.StatusBadRequest, "BadRequest",
			"The underlyingResourceAction query parameter is required: Delete or Detach.")
		return
	}
	key := computeKey(c.wsID, c.params["computeName"])
	e := s.computes[key]
	if e == nil {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	props, _ := e.body["properties"].(map[string]any)
	props["provisioningState"] = "Deleting"
	opURL := s.newOperation(e.wsID, func(*failure) { delete(s.computes, key) })
	if !s.DeleteLocationOnly {
		c.w.Header().Set("Azure-AsyncOperation", opURL)
	}
	c.w.Header().Set("Location", strings.Replace(opURL, "/computeOperationsStatus/", "/computeOperationsResults/", 1))
	c.w.WriteHeader(http.StatusAccepted)
}

// listNodes answers Compute_ListNodes of an AmlCompute, paged: one idle node per current node.
func (s *Server) listNodes(c *call) {
	name := c.params["computeName"]
	e := s.computes[computeKey(c.wsID, name)]
	if e == nil {
		s.notFound(c.w, name)
		return
	}
	props, _ := e.body["properties"].(map[string]any)
	if props["computeType"] != "AmlCompute" {
		s.writeError(c.w, http.StatusBadRequest, "BadRequest", "listNodes is only supported for AmlCompute")
		return
	}
	inner, _ := props["properties"].(map[string]any)
	n, _ := inner["currentNodeCount"].(float64)
	items := make([]any, 0, int(n))
	for i := range int(n) {
		items = append(items, map[string]any{
			"nodeId": fmt.Sprintf("tvm-%d_%d-20250101t000000z", 1000+len(name), i+1), "privateIpAddress": fmt.Sprintf("10.0.0.%d", 4+i),
			"publicIpAddress": fmt.Sprintf("20.1.2.%d", 3+i), "port": 50000 + i, "nodeState": "idle",
		})
	}
	s.page(c.w, c.r, "nodes", items)
}

func (s *Server) notFound(w http.ResponseWriter, name string) {
	s.writeError(w, http.StatusNotFound, "ResourceNotFound",
		fmt.Sprintf("The Resource 'Microsoft.MachineLearningServices/workspaces/computes/%s' was not found.", name))
}

// putCompute answers Compute_CreateOrUpdate: 201 (200 when replacing) with the compute in
// state Creating and an Azure-AsyncOperation monitor.
func (s *Server) putCompute(c *call) {
	w, wsID, wsBody, name, body := c.w, c.wsID, c.wsBody, c.params["computeName"], c.body
	existing := s.computes[computeKey(wsID, name)]
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		s.writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	props, ok := m["properties"].(map[string]any)
	if !ok {
		s.writeError(w, http.StatusBadRequest, "BadRequest", "properties is required")
		return
	}
	ctype, _ := props["computeType"].(string)
	if ctype == "" {
		s.writeError(w, http.StatusBadRequest, "BadRequest", "properties.computeType is required")
		return
	}
	s.secrets = append(s.secrets, stripSecrets(m)...)
	if _, ok := m["location"]; !ok {
		var ws struct {
			Location string `json:"location"`
		}
		_ = json.Unmarshal(wsBody, &ws)
		m["location"] = ws.Location
	}
	m["id"] = wsID + "/computes/" + name
	m["name"] = name
	m["type"] = "Microsoft.MachineLearningServices/workspaces/computes"
	now := time.Now().UTC().Format(time.RFC3339Nano)
	props["provisioningState"] = "Creating"
	props["createdOn"] = now
	props["modifiedOn"] = now
	props["provisioningErrors"] = nil
	inner, _ := props["properties"].(map[string]any)
	attached := (ctype == "VirtualMachine" || ctype == "HDInsight") &&
		(props["resourceId"] != nil || (inner != nil && inner["address"] != nil))
	props["isAttachedCompute"] = attached
	if _, ok := props["description"]; !ok {
		props["description"] = nil
	}
	if _, ok := props["resourceId"]; !ok {
		props["resourceId"] = nil
	}
	status := http.StatusCreated
	if existing != nil {
		status = http.StatusOK
	}
	e := &computeEntry{wsID: wsID, name: name, body: m}
	s.computes[computeKey(wsID, name)] = e
	opURL := s.newOperation(wsID, func(f *failure) { s.finishProvisioning(e, f) })
	w.Header().Set("Azure-AsyncOperation", opURL)
	s.writeJSON(w, status, e.body)
}

// finishProvisioning moves a compute to its terminal provisioning state.
func (s *Server) finishProvisioning(c *computeEntry, f *failure) {
	props, _ := c.body["properties"].(map[string]any)
	props["modifiedOn"] = time.Now().UTC().Format(time.RFC3339Nano)
	if f != nil {
		props["provisioningState"] = "Failed"
		props["provisioningErrors"] = []any{map[string]any{"error": map[string]any{"code": f.code, "message": f.message}}}
		return
	}
	props["provisioningState"] = "Succeeded"
	inner, _ := props["properties"].(map[string]any)
	if inner == nil {
		inner = map[string]any{}
		props["properties"] = inner
	}
	switch props["computeType"] {
	case "AmlCompute":
		min := 0.0
		if ss, ok := inner["scaleSettings"].(map[string]any); ok {
			min, _ = ss["minNodeCount"].(float64)
		}
		inner["allocationState"] = "Steady"
		inner["allocationStateTransitionTime"] = props["modifiedOn"]
		inner["currentNodeCount"] = min
		inner["targetNodeCount"] = min
		inner["errors"] = nil
		inner["nodeStateCounts"] = map[string]any{"idleNodeCount": min, "runningNodeCount": 0, "preparingNodeCount": 0,
			"unusableNodeCount": 0, "leavingNodeCount": 0, "preemptedNodeCount": 0}
		if _, ok := inner["vmPriority"]; !ok {
			inner["vmPriority"] = "Dedicated"
		}
		if _, ok := inner["vmSize"]; !ok {
			inner["vmSize"] = "STANDARD_NC6"
		}
	case "VirtualMachine":
		if _, ok := inner["address"]; !ok {
			inner["address"] = "20.30.40.50"
		}
		if _, ok := inner["sshPort"]; !ok {
			inner["sshPort"] = 22
		}
		if _, ok := inner["virtualMachineSize"]; !ok {
			inner["virtualMachineSize"] = "Standard_DS3_v2"
		}
	}
}

// patchCompute answers Compute_Update (an AmlCompute's scale settings): 200 with the compute in
// state Updating and an Azure-AsyncOperation monitor.
func (s *Server) patchCompute(call *call) {
	w, body := call.w, call.body
	c := s.computes[computeKey(call.wsID, call.params["computeName"])]
	if c == nil {
		s.notFound(w, call.params["computeName"])
		return
	}
	var upd struct {
		Properties struct {
			Properties struct {
				ScaleSettings map[string]any `json:"scaleSettings"`
			} `json:"properties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &upd); err != nil || upd.Properties.Properties.ScaleSettings == nil {
		s.writeError(w, http.StatusBadRequest, "BadRequest", "properties.properties.scaleSettings is required")
		return
	}
	props, _ := c.body["properties"].(map[string]any)
	if props["computeType"] != "AmlCompute" {
		s.writeError(w, http.StatusBadRequest, "BadRequest", "Only AmlCompute scale settings can be updated")
		return
	}
	inner, _ := props["properties"].(map[string]any)
	if inner == nil {
		inner = map[string]any{}
		props["properties"] = inner
	}
	inner["scaleSettings"] = upd.Properties.Properties.ScaleSettings
	props["provisioningState"] = "Updating"
	opURL := s.newOperation(c.wsID, func(f *failure) { s.finishProvisioning(c, f) })
	w.Header().Set("Azure-AsyncOperation", opURL)
	s.writeJSON(w, http.StatusOK, c.body)
}
