package aciemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// RegistryAPIVersion is the Microsoft.ContainerRegistry api-version the emulator serves: the
// one armcontainerregistry v1.2.0 sends.
const RegistryAPIVersion = "2023-07-01"

const (
	registryType = "Microsoft.ContainerRegistry/registries"
	registryPath = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/" + registryType + "/{registryName}"
)

// Registry is a real Docker registry (dockertest's docker-registry with htpasswd) standing in
// for the workspace's Azure Container Registry. Password never appears in a message.
type Registry struct {
	// Address is the registry's host:port (plain HTTP on 127.0.0.1).
	Address string
	// Username and Password are its admin credentials (listCredentials returns them).
	Username, Password string
}

// String names the registry and user, never the password.
func (r Registry) String() string { return r.Address + " as " + r.Username }

// RegistryRequest is one request that reached the registry through the emulator's login
// server.
type RegistryRequest struct {
	// Method and Path are the request's; Status is the registry's answer.
	Method, Path string
	Status       int
}

// registryProxy is the registry's login server: a reverse proxy to the real registry that
// records every request, so that a test can tell whether anything was pushed.
type registryProxy struct {
	reg  Registry
	addr string
	srv  *http.Server

	mu   sync.Mutex
	reqs []RegistryRequest
}

func startRegistryProxy(reg Registry) (*registryProxy, error) {
	if reg.Address == "" || reg.Username == "" || reg.Password == "" {
		return nil, errors.New("aciemu: Options.Registry needs Address, Username and Password")
	}
	target, err := url.Parse("http://" + reg.Address)
	if err != nil {
		return nil, fmt.Errorf("aciemu: registry address %q: %w", reg.Address, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("aciemu: registry login server: %w", err)
	}
	p := &registryProxy{reg: reg, addr: l.Addr().String()}
	// The outgoing Host stays the login server's, so the registry's upload URLs name it.
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	p.srv = &http.Server{ReadHeaderTimeout: 30 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Recorded when the status is known, before the client can have the answer.
		sw := &statusWriter{ResponseWriter: w, record: func(status int) {
			p.mu.Lock()
			p.reqs = append(p.reqs, RegistryRequest{Method: r.Method, Path: r.URL.Path, Status: status})
			p.mu.Unlock()
		}}
		rp.ServeHTTP(sw, r)
		sw.WriteHeader(http.StatusOK) // records a request answered without an explicit status
	})}
	go p.srv.Serve(l)
	return p, nil
}

func (p *registryProxy) close() { _ = p.srv.Close() }

// statusWriter records a request once, at its first status.
type statusWriter struct {
	http.ResponseWriter
	record  func(status int)
	written bool
}

func (s *statusWriter) WriteHeader(code int) {
	if s.written {
		return
	}
	s.written = true
	s.record(code)
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// LoginServer is the workspace registry's login server (host:port), what GET registries
// returns as loginServer; "" without Options.Registry.
func (e *Emulator) LoginServer() string {
	if e.reg == nil {
		return ""
	}
	return e.reg.addr
}

// RegistryRequests returns the requests the login server has forwarded so far.
func (e *Emulator) RegistryRequests() []RegistryRequest {
	if e.reg == nil {
		return nil
	}
	e.reg.mu.Lock()
	defer e.reg.mu.Unlock()
	return append([]RegistryRequest(nil), e.reg.reqs...)
}

// manifestPut matches an image push's last step: PUT /v2/<repository>/manifests/<reference>.
var manifestPut = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]+)$`)

// Pushes returns the images pushed through the login server so far ("repository:tag" or
// "repository@digest", one per manifest PUT that succeeded).
func (e *Emulator) Pushes() []string {
	var out []string
	for _, r := range e.RegistryRequests() {
		if m := manifestPut.FindStringSubmatch(r.Path); m != nil && r.Method == http.MethodPut && r.Status < 300 {
			sep := ":"
			if strings.HasPrefix(m[2], "sha256:") {
				sep = "@"
			}
			out = append(out, m[1]+sep+m[2])
		}
	}
	return out
}

// SetWorkspaceRegistry creates the workspace's container registry resource (in the workspace's
// resource group, named acr<workspace name>) and sets the workspace's
// properties.containerRegistry to its ARM id, which it returns. It needs Options.Registry; a
// workspace it is not called for has no registry.
func (e *Emulator) SetWorkspaceRegistry(wsID string) (string, error) {
	if e.reg == nil {
		return "", errors.New("aciemu: SetWorkspaceRegistry needs Options.Registry")
	}
	parts := strings.Split(strings.Trim(wsID, "/"), "/")
	if len(parts) != 8 || !strings.EqualFold(parts[6], "workspaces") {
		return "", fmt.Errorf("aciemu: %q is not a workspace ARM id", wsID)
	}
	name := "acr" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return -1
	}, parts[7])
	regID := "/subscriptions/" + parts[1] + "/resourceGroups/" + parts[3] + "/providers/" + registryType + "/" + name
	e.arm.Lock()
	defer e.arm.Unlock()
	var ws map[string]any
	if err := json.Unmarshal(e.arm.WorkspaceLocked(wsID), &ws); err != nil || ws == nil {
		return "", fmt.Errorf("aciemu: no workspace %s in the fake", wsID)
	}
	props, _ := ws["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		ws["properties"] = props
	}
	props["containerRegistry"] = regID
	b, _ := json.Marshal(ws)
	e.arm.SetWorkspaceLocked(wsID, b)
	e.arm.AddSecretLocked(e.reg.reg.Password)
	loc, _ := ws["location"].(string)
	e.mu.Lock()
	e.regs[key(regID)] = loc
	e.mu.Unlock()
	return regID, nil
}

func (e *Emulator) registerRegistry() {
	e.arm.Handle(http.MethodGet, registryPath, RegistryAPIVersion, nil, e.getRegistry)
	e.arm.Handle(http.MethodPost, registryPath+"/listCredentials", RegistryAPIVersion, nil, e.listCredentials)
}

// registryFromCall returns the registry a call names and its location, or writes 404.
func (e *Emulator) registryFromCall(c *armfake.Call) (id, location string, ok bool) {
	id = "/subscriptions/" + c.Params["subscriptionId"] + "/resourceGroups/" + c.Params["resourceGroupName"] + "/providers/" + registryType + "/" + c.Params["registryName"]
	e.mu.Lock()
	location, ok = e.regs[key(id)]
	e.mu.Unlock()
	if !ok {
		e.arm.WriteError(c.W, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf(
			"The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
			registryType, c.Params["registryName"], c.Params["resourceGroupName"]))
	}
	return id, location, ok
}

// getRegistry answers Registries_Get: the login server is the emulator's proxy of the real
// registry, with the admin user enabled.
func (e *Emulator) getRegistry(c *armfake.Call) {
	id, loc, ok := e.registryFromCall(c)
	if !ok {
		return
	}
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{
		"id": id, "name": c.Params["registryName"], "type": registryType, "location": loc,
		"sku": map[string]any{"name": "Standard", "tier": "Standard"},
		"properties": map[string]any{
			"loginServer": e.reg.addr, "adminUserEnabled": true, "provisioningState": "Succeeded",
			"creationDate": "2025-01-01T00:00:00Z", "publicNetworkAccess": "Enabled", "dataEndpointEnabled": false,
			"zoneRedundancy": "Disabled", "networkRuleBypassOptions": "AzureServices",
		},
	})
}

// listCredentials answers Registries_ListCredentials: the admin user and its two passwords
// (both the registry's one htpasswd password: the real registry has only one).
func (e *Emulator) listCredentials(c *armfake.Call) {
	if _, _, ok := e.registryFromCall(c); !ok {
		return
	}
	r := e.reg.reg
	e.arm.WriteSecretJSON(c.W, http.StatusOK, map[string]any{
		"username":  r.Username,
		"passwords": []any{map[string]any{"name": "password", "value": r.Password}, map[string]any{"name": "password2", "value": r.Password}},
	})
}

// GoString is String, so that %#v does not print the password either.
func (r Registry) GoString() string { return r.String() }
