package mlflowtest

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// ProxyOptions configure NewProxy. The zero value forwards everything.
type ProxyOptions struct {
	// Token, when set, is the bearer token every request must carry ("Authorization: Bearer
	// <Token>"); others get 401 with an MLflow error document and are not forwarded.
	Token string
	// Intercept, when set, sees every authorized request first (endpoint is the part after
	// /api/2.0/mlflow/, "" for other paths, n counts that endpoint's requests from 1) and
	// answers it itself by returning true. When it reads r.Body and returns false, it must put
	// back a reader of the same bytes (the request is forwarded with r.Body).
	Intercept func(w http.ResponseWriter, r *http.Request, endpoint string, n int) bool
}

// Proxy is an HTTP proxy in front of an MLflow server.
type Proxy struct {
	// URL is the proxy's API root (http://127.0.0.1:PORT).
	URL string

	mu           sync.Mutex
	counts       map[string]int
	unauthorized int
}

// NewProxy starts a proxy to the MLflow server at target (an API root), closed when t ends.
func NewProxy(t testing.TB, target string, opts *ProxyOptions) *Proxy {
	t.Helper()
	var o ProxyOptions
	if opts != nil {
		o = *opts
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("mlflowtest: proxy target: %v", err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &Proxy{counts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.Token != "" && r.Header.Get("Authorization") != "Bearer "+o.Token {
			p.mu.Lock()
			p.unauthorized++
			p.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_code": "UNAUTHENTICATED", "message": "missing or wrong bearer token"}`))
			return
		}
		endpoint, _ := strings.CutPrefix(r.URL.Path, "/api/2.0/mlflow/")
		if endpoint == r.URL.Path {
			endpoint = ""
		}
		p.mu.Lock()
		p.counts[endpoint]++
		n := p.counts[endpoint]
		p.mu.Unlock()
		if o.Intercept != nil && o.Intercept(w, r, endpoint, n) {
			return
		}
		r.Header.Del("Authorization")
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Count returns how many authorized requests the proxy got for endpoint (e.g.
// "runs/log-batch"), intercepted or forwarded.
func (p *Proxy) Count(endpoint string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[endpoint]
}

// Unauthorized returns how many requests the proxy refused for a missing or wrong token.
func (p *Proxy) Unauthorized() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unauthorized
}
