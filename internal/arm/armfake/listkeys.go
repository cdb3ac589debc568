package armfake

import (
	"encoding/json"
	"net/http"
)

// SetComputeKeys sets the body Compute_ListKeys (POST …/computes/{name}/listKeys) answers for
// a compute of the workspace wsID, e.g. for a VirtualMachine
// {"computeType":"VirtualMachine","administratorAccount":{"username":…,"password":…}}. The
// secrets in it are served by listKeys only: any other response containing one of them fails
// the test, as a GET that echoed a credential would.
func (s *Server) SetComputeKeys(wsID, name string, body []byte) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		s.t.Fatalf("armfake: SetComputeKeys: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[string]json.RawMessage{}
	}
	s.keys[computeKey(wsID, name)] = append(json.RawMessage(nil), body...)
	if acct, ok := m["administratorAccount"].(map[string]any); ok {
		for _, k := range []string{"password", "privateKeyData", "publicKeyData", "passphrase"} {
			if v, ok := acct[k].(string); ok && v != "" {
				s.secrets = append(s.secrets, v)
			}
		}
	}
}

// listKeys answers Compute_ListKeys: the body set by SetComputeKeys, else the compute type
// (with the administrator's user name for VMs and HDInsight clusters) and no secrets.
func (s *Server) listKeys(call *call) {
	w, name := call.w, call.params["computeName"]
	key := computeKey(call.wsID, name)
	c := s.computes[key]
	if c == nil {
		s.notFound(w, name)
		return
	}
	if b, ok := s.keys[key]; ok {
		// Written directly: this is the one response allowed to carry the secrets.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return
	}
	props, _ := c.body["properties"].(map[string]any)
	out := map[string]any{"computeType": props["computeType"]}
	if inner, ok := props["properties"].(map[string]any); ok {
		if acct, ok := inner["administratorAccount"].(map[string]any); ok {
			out["administratorAccount"] = map[string]any{"username": acct["username"]}
		}
	}
	s.writeJSON(w, http.StatusOK, out)
}
