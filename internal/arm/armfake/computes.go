package armfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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

func (s *Server) serveCompute(w http.ResponseWriter, r *http.Request, wsID string, wsBody json.RawMessage, name string, body []byte) {
	key := computeKey(wsID, name)
	c := s.computes[key]
	switch r.Method {
	case http.MethodGet:
		if c == nil {
			s.notFound(w, name)
			return
		}
		s.writeJSON(w, http.StatusOK, c.body)
	case http.MethodPut:
		s.putCompute(w, r, wsID, wsBody, name, body, c)
	case http.MethodPatch:
		if c == nil {
			s.notFound(w, name)
			return
		}
		s.patchCompute(w, r, c, body)
	case http.MethodDelete:
		action := r.URL.Query().Get("underlyingResourceAction")
		if !strings.EqualFold(action, "Delete") && !strings.EqualFold(action, "Detach") {
			s.writeError(w, http.StatusBadRequest, "BadRequest",
				"The underlyingResourceAction query parameter is required: Delete or Detach.")
			return
		}
		if c == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.deleteCompute(w, r, key, c)
	default:
		s.methodNotAllowed(w)
	}
}

func (s *Server) putCompute(w http.ResponseWriter, r *http.Request, wsID string, wsBody json.RawMessage, name string, body []byte, existing *computeEntry) {
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
	c := &computeEntry{wsID: wsID, name: name, body: m}
	s.computes[computeKey(wsID, name)] = c
	opURL := s.newOperation(wsID, func(f *failure) { s.finishProvisioning(c, f) })
	w.Header().Set("Azure-AsyncOperation", opURL)
	s.writeJSON(w, status, c.body)
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

func (s *Server) patchCompute(w http.ResponseWriter, r *http.Request, c *computeEntry, body []byte) {
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

func (s *Server) deleteCompute(w http.ResponseWriter, r *http.Request, key string, c *computeEntry) {
	props, _ := c.body["properties"].(map[string]any)
	props["provisioningState"] = "Deleting"
	opURL := s.newOperation(c.wsID, func(*failure) { delete(s.computes, key) })
	if !s.DeleteLocationOnly {
		w.Header().Set("Azure-AsyncOperation", opURL)
	}
	w.Header().Set("Location", strings.Replace(opURL, "/computeOperationsStatus/", "/computeOperationsResults/", 1))
	w.WriteHeader(http.StatusAccepted)
}

// newOperation registers an operation and returns its Azure-AsyncOperation URL.
func (s *Server) newOperation(wsID string, finish func(*failure)) string {
	s.opSeq++
	id := "op-" + strconv.Itoa(s.opSeq)
	op := &operation{remaining: s.PollsBeforeDone, finish: finish}
	if s.failNext != nil {
		op.failed, s.failNext = s.failNext, nil
	}
	s.ops[id] = op
	sub := strings.Split(strings.TrimPrefix(wsID, "/"), "/")[1]
	return s.srv.URL + "/subscriptions/" + sub + "/providers/Microsoft.MachineLearningServices/locations/eastus/computeOperationsStatus/" +
		id + "?api-version=" + APIVersion
}

// advance counts one poll of op and finishes it when its polls are used up.
func (s *Server) advance(op *operation) {
	if op.done {
		return
	}
	if op.remaining > 0 {
		op.remaining--
		return
	}
	op.done = true
	op.finish(op.failed)
}

func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, id string, result bool) {
	op := s.ops[id]
	if op == nil || r.Method != http.MethodGet {
		s.writeError(w, http.StatusNotFound, "OperationNotFound", fmt.Sprintf("operation %s not found", id))
		return
	}
	s.advance(op)
	if result {
		if !op.done {
			w.Header().Set("Location", s.srv.URL+r.URL.RequestURI())
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case !op.done:
		s.writeJSON(w, http.StatusOK, map[string]any{"status": "InProgress"})
	case op.failed != nil:
		s.writeJSON(w, http.StatusOK, map[string]any{"status": "Failed",
			"error": map[string]any{"code": op.failed.code, "message": op.failed.message}})
	default:
		s.writeJSON(w, http.StatusOK, map[string]any{"status": "Succeeded"})
	}
}

// writeJSON writes v; a body containing a secret received earlier fails the test instead.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Errorf("armfake: encoding response: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	for _, sec := range s.secrets {
		esc, _ := json.Marshal(sec)
		if strings.Contains(string(b), sec) || strings.Contains(string(b), strings.Trim(string(esc), `"`)) {
			s.t.Errorf("armfake: a response would echo a secret sent in a PUT body")
			s.writeError(w, http.StatusInternalServerError, "SecretEchoed", "response withheld: it contains a secret")
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes an ARM ErrorResponse.
func (s *Server) writeError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-error-code", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
