package armfake

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

func lower(s string) string { return strings.ToLower(s) }

// Call is one request to an operation added with Handle, matched to its pattern.
type Call struct {
	// W and R are the response and the request; Body is the request body, already read.
	W    http.ResponseWriter
	R    *http.Request
	Body []byte
	// Params are the values of the pattern's {parameters}, as sent.
	Params map[string]string
	// WorkspaceID and Workspace are the workspace of a pattern under {workspaceName}: its ARM id
	// and its stored body ("" and nil otherwise).
	WorkspaceID string
	Workspace   json.RawMessage
}

// HandleOptions tune an operation added with Handle.
type HandleOptions struct {
	// NoAuth serves the operation without a bearer token (the workspace discovery document).
	NoAuth bool
	// AnyAPIVersion accepts any (or no) api-version: data-plane operations have none.
	AnyAPIVersion bool
	// Unlocked runs the handler without the server's lock, so that it may block (on a Docker
	// engine, say); it must then use the exported methods, not the Locked ones.
	Unlocked bool
}

// extra is an operation added with Handle.
type extra struct {
	route
	opts HandleOptions
	fn   func(*Call)
}

// Handle adds an operation (an emulator's: jobs, code uploads, run history) to the server,
// served like the built-in ones: the pattern's literal segments match without regard to case, a
// pattern under {workspaceName} answers 404 for a missing workspace, and the api-version must be
// apiVersion unless opts says otherwise. fn runs with the server's lock held (unless
// opts.Unlocked): it must not call the server's exported methods (use the Locked variants) nor
// block. opts may be nil.
func (s *Server) Handle(method, pattern, apiVersion string, opts *HandleOptions, fn func(*Call)) {
	var o HandleOptions
	if opts != nil {
		o = *opts
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extras = append(s.extras, extra{route: route{method: method, pattern: pattern, apiVersion: apiVersion}, opts: o, fn: fn})
}

// WriteJSON writes v as the response, with the server's usual headers.
func (s *Server) WriteJSON(w http.ResponseWriter, status int, v any) { s.writeJSON(w, status, v) }

// WriteError writes Resource Manager's error response.
func (s *Server) WriteError(w http.ResponseWriter, status int, code, message string) {
	s.writeError(w, status, code, message)
}

// Lock and Unlock take the server's lock, for an emulator's goroutines that change state the
// handlers read.
func (s *Server) Lock()   { s.mu.Lock() }
func (s *Server) Unlock() { s.mu.Unlock() }

// WorkspaceLocked returns a workspace's stored body (nil if absent); the lock must be held.
func (s *Server) WorkspaceLocked(wsID string) json.RawMessage { return s.workspaces[lower(wsID)] }

// SetWorkspaceLocked replaces a workspace's stored body; the lock must be held.
func (s *Server) SetWorkspaceLocked(wsID string, body json.RawMessage) {
	s.workspaces[lower(wsID)] = body
}

// ComputeLocked returns a copy of a compute's stored body (nil if absent); the lock must be held.
func (s *Server) ComputeLocked(wsID, name string) map[string]any {
	c, ok := s.computes[computeKey(wsID, name)]
	if !ok {
		return nil
	}
	return clone(c.body)
}

// InjectLocked is Inject with the lock held.
func (s *Server) InjectLocked(method, pathSuffix string, statuses ...int) {
	for _, st := range statuses {
		s.injected = append(s.injected, injection{method: method, pathSuffix: pathSuffix, status: st})
	}
}

// noAuth reports whether r is for an operation added with HandleOptions.NoAuth.
func (s *Server) noAuth(r *http.Request) bool {
	for _, e := range s.extras {
		if _, ok := match(e.pattern, r.URL.Path); ok && e.method == r.Method && e.opts.NoAuth {
			return true
		}
	}
	return false
}

// AssetsLocked returns copies of the stored versions of an asset kind ("codes",
// "environments") in workspace wsID; the lock must be held.
func (s *Server) AssetsLocked(wsID, kind string) []map[string]any {
	prefix := lower(wsID + "/" + kind + "/")
	var out []map[string]any
	for k, v := range s.assets {
		if strings.HasPrefix(k, prefix) {
			out = append(out, clone(v))
		}
	}
	return out
}

// AssetLocked returns a copy of one stored asset version (nil if absent); the lock must be held.
func (s *Server) AssetLocked(wsID, kind, name, version string) map[string]any {
	v, ok := s.assets[assetKey(wsID, kind, name, version)]
	if !ok {
		return nil
	}
	return clone(v)
}

// CertificatePEM is the server's TLS certificate, for another process to trust (RemoteOptions).
func (s *Server) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// RemoteOptions are ClientOptions for a server running in another process (a test's helper
// process): its URL and its certificate (CertificatePEM). Credential() works there too.
func RemoteOptions(url string, certPEM []byte) (*azarm.ClientOptions, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		return nil, errors.New("armfake: no certificate in PEM")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return &azarm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: url,
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: url},
				},
			},
			Transport: hc,
			Retry:     policy.RetryOptions{RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Second},
		},
		DisableRPRegistration: true,
	}, nil
}

// Credential is the fake's credential, for RemoteOptions' clients.
func Credential() azcore.TokenCredential { return credential{} }

// AddSecretLocked records a secret an emulated operation received (a secureValue, a registry
// password): from then on any response written with WriteJSON that contains it fails the test.
// The lock must be held.
func (s *Server) AddSecretLocked(secret string) {
	if secret != "" {
		s.secrets = append(s.secrets, secret)
	}
}

// WriteSecretJSON writes v as the response without the secret check: for the few operations
// whose answer is a secret (listCredentials, listSecrets).
func (s *Server) WriteSecretJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Errorf("armfake: encoding response: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
