// Package armfake is an in-process fake of the Azure Resource Manager operations amlgo uses
// (Microsoft.MachineLearningServices workspaces, computes, and code and environment versions),
// served over TLS by net/http/httptest, for Microsoft's generated clients (armmachinelearning/v4)
// to run against. It follows the REST specification at the api-version those clients send:
// status codes, Azure-AsyncOperation and Location headers of long-running operations,
// ErrorResponse bodies, nextLink paging, the api-version on every request. Tests can inject
// 429/503 responses with Retry-After, make provisioning fail, and inspect every request. Secrets
// sent in a PUT are never stored, and a response that would contain one fails the test.
//
// Operations are rows of one routing table (router.go): a method, a path pattern and the
// api-version of its resource provider. A new resource type (jobs, datastores, container
// groups) is a few rows and a file of handlers, as code and environment versions are
// (assets.go).
package armfake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// APIVersion is the Microsoft.MachineLearningServices api-version the fake accepts: the one
// armmachinelearning/v4 sends.
const APIVersion = "2024-04-01"

// Token is the bearer token the fake credential issues and the server requires.
const Token = "armfake-token"

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
}

// Server is a fake Resource Manager. Its exported fields may be changed between requests.
type Server struct {
	// PollsBeforeDone is how many times an operation reports InProgress before its terminal
	// state (default 1).
	PollsBeforeDone int
	// PageSize is the number of items per page of a listing (default 100).
	PageSize int
	// NextLinkAPIVersion is the api-version written into nextLink URLs (default APIVersion);
	// the server accepts it on those requests, as the real service does.
	NextLinkAPIVersion string
	// DeleteLocationOnly makes a deletion answer 202 with a Location header only (the spec
	// sends both Azure-AsyncOperation and Location).
	DeleteLocationOnly bool
	// RetryAfter is the Retry-After value (seconds) of injected 429/503 responses (default "1").
	RetryAfter string

	t   TB
	srv *httptest.Server

	mu         sync.Mutex
	workspaces map[string]json.RawMessage
	computes   map[string]*computeEntry
	ops        map[string]*operation
	requests   []Request
	secrets    []string
	keys       map[string]json.RawMessage // listKeys bodies by computeKey
	assets     map[string]map[string]any  // code and environment versions by assetKey
	injected   []injection
	extras     []extra
	failNext   *failure
	opSeq      int
}

type computeEntry struct {
	wsID string
	name string
	body map[string]any
}

type operation struct {
	remaining int
	failed    *failure
	done      bool
	finish    func(failed *failure)
}

type failure struct{ code, message string }

type injection struct {
	method, pathSuffix string
	status             int
}

// TB is the part of testing.TB the server uses to report misuse and to close itself.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

var _ TB = testing.TB(nil)

// New starts a fake server; it is closed when the test ends.
func New(t TB) *Server {
	s := &Server{
		PollsBeforeDone: 1,
		PageSize:        100,
		RetryAfter:      "1",
		t:               t,
		workspaces:      map[string]json.RawMessage{},
		computes:        map[string]*computeEntry{},
		ops:             map[string]*operation{},
	}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// NewServer starts a fake server outside a test (e.g. in an Example): misuse panics, and the
// caller must Close it.
func NewServer() *Server { return New(&panicTB{}) }

// Close stops a server from NewServer (a server from New closes when its test ends).
func (s *Server) Close() {
	if p, ok := s.t.(*panicTB); ok {
		p.run()
	}
}

type panicTB struct {
	mu       sync.Mutex
	cleanups []func()
}

func (*panicTB) Helper()                           {}
func (*panicTB) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (*panicTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (p *panicTB) Cleanup(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanups = append(p.cleanups, f)
}
func (p *panicTB) run() {
	p.mu.Lock()
	fs := p.cleanups
	p.cleanups = nil
	p.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// URL is the server's base URL (the Resource Manager endpoint).
func (s *Server) URL() string { return s.srv.URL }

// ClientOptions returns client options pointing a client at the server: its endpoint as the
// Resource Manager of the cloud, its TLS client as transport, short retry delays, no resource
// provider registration.
func (s *Server) ClientOptions() *azarm.ClientOptions {
	return &azarm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: s.srv.URL,
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: s.srv.URL},
				},
			},
			Transport: s.srv.Client(),
			Retry:     policy.RetryOptions{RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Second},
		},
		DisableRPRegistration: true,
	}
}

// Credential returns a credential issuing Token.
func (s *Server) Credential() azcore.TokenCredential { return credential{} }

type credential struct{}

func (credential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: Token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// AddWorkspace stores a workspace resource (a Workspaces_Get body); its "id" is its key.
func (s *Server) AddWorkspace(body []byte) {
	var w struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &w); err != nil || w.ID == "" {
		s.t.Fatalf("armfake: AddWorkspace: body without id: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workspaces[strings.ToLower(w.ID)] = append(json.RawMessage(nil), body...)
}

// NewWorkspace stores a minimal workspace and returns its ARM id.
func (s *Server) NewWorkspace(subscription, resourceGroup, name, location string) string {
	id := "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup +
		"/providers/Microsoft.MachineLearningServices/workspaces/" + name
	b, _ := json.Marshal(map[string]any{
		"id": id, "name": name, "type": "Microsoft.MachineLearningServices/workspaces", "location": location,
		"properties": map[string]any{
			"workspaceId":       "00000000-0000-0000-0000-000000000001",
			"discoveryUrl":      "https://" + location + ".api.azureml.ms/discovery",
			"mlFlowTrackingUri": "azureml://" + location + ".api.azureml.ms/mlflow/v1.0" + id,
			"storageAccount":    "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup + "/providers/Microsoft.Storage/storageAccounts/sa" + name,
			"provisioningState": "Succeeded",
		},
	})
	s.AddWorkspace(b)
	return id
}

// AddCompute stores a compute resource body under the workspace wsID.
func (s *Server) AddCompute(wsID, name string, body []byte) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		s.t.Fatalf("armfake: AddCompute: %v", err)
	}
	m["id"] = wsID + "/computes/" + name
	m["name"] = name
	m["type"] = "Microsoft.MachineLearningServices/workspaces/computes"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.computes[computeKey(wsID, name)] = &computeEntry{wsID: wsID, name: name, body: m}
}

// Compute returns the stored body of a compute (nil when it does not exist).
func (s *Server) Compute(wsID, name string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.computes[computeKey(wsID, name)]
	if c == nil {
		return nil
	}
	return clone(c.body)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Inject makes the next requests whose method is method and whose path ends with pathSuffix
// answer with the given statuses, one per request (429 and 503 carry Retry-After).
func (s *Server) Inject(method, pathSuffix string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range statuses {
		s.injected = append(s.injected, injection{method: method, pathSuffix: pathSuffix, status: st})
	}
}

// FailNextOperation makes the next create or update operation end Failed with this error; the
// compute's provisioningState becomes Failed and provisioningErrors carries the error.
func (s *Server) FailNextOperation(code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = &failure{code: code, message: message}
}

func computeKey(wsID, name string) string {
	return strings.ToLower(wsID) + "/computes/" + strings.ToLower(name)
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// serve handles one request: injected failures first, then the bearer token, then the route.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body})

	for i, in := range s.injected {
		if in.method == r.Method && strings.HasSuffix(r.URL.Path, in.pathSuffix) {
			s.injected = append(s.injected[:i], s.injected[i+1:]...)
			if in.status == http.StatusTooManyRequests || in.status == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", s.RetryAfter)
			}
			s.writeError(w, in.status, "Injected"+strconv.Itoa(in.status), "injected failure")
			return
		}
	}
	if r.Header.Get("Authorization") != "Bearer "+Token && !s.noAuth(r) {
		s.writeError(w, http.StatusUnauthorized, "AuthenticationFailed", "missing or invalid bearer token")
		return
	}
	s.dispatch(w, r, body)
}

func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return b
}

func (s *Server) methodNotAllowed(w http.ResponseWriter) {
	s.writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method is not supported for this resource.")
}

// page writes items[skip:skip+PageSize] under key with a nextLink when more remain.
func (s *Server) page(w http.ResponseWriter, r *http.Request, key string, items []any) {
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skip"))
	size := s.PageSize
	if size <= 0 {
		size = 100
	}
	end := min(skip+size, len(items))
	if skip > len(items) {
		skip = len(items)
	}
	out := map[string]any{key: items[skip:end]}
	if end < len(items) {
		v := s.NextLinkAPIVersion
		if v == "" {
			v = APIVersion
		}
		out["nextLink"] = s.srv.URL + r.URL.Path + "?api-version=" + v + "&$skip=" + strconv.Itoa(end)
	}
	s.writeJSON(w, http.StatusOK, out)
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
