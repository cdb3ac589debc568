package mlflowrest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Default limits of the client (Options overrides the first three).
const (
	// DefaultPageSize is the max_results of metrics/get-history pages: below Azure ML's ceiling
	// (it rejects 1000 and more) with room to spare, and small enough that a page stays near
	// 50 KB of JSON.
	DefaultPageSize = 500
	// MaxPageSize is the largest page size Azure ML accepts.
	MaxPageSize = 999
	// DefaultMaxRetries is how many times a 429 or 503 answer (and, for GET, a transport error)
	// is retried before the error is returned.
	DefaultMaxRetries = 4
	// DefaultMaxRetryDelay caps one wait between attempts, whatever Retry-After asks for.
	DefaultMaxRetryDelay = 30 * time.Second
)

// Options configure a Client. The zero value (or nil) gives the defaults.
type Options struct {
	// HTTPClient sends the requests; default http.DefaultClient.
	HTTPClient *http.Client
	// Token returns the bearer token sent on every request (Azure ML: a token for
	// https://management.azure.com/.default); nil sends no Authorization header. It is called
	// once per attempt, so it may refresh.
	Token func(ctx context.Context) (string, error)
	// PageSize is the max_results of each metrics/get-history page; 0 = DefaultPageSize,
	// at most MaxPageSize.
	PageSize int
	// MaxRetries bounds the retries of one call; 0 = DefaultMaxRetries, negative = none.
	MaxRetries int
	// MaxRetryDelay caps one wait between attempts; 0 = DefaultMaxRetryDelay.
	MaxRetryDelay time.Duration
}

// Client calls one MLflow tracking server. It is safe for concurrent use.
type Client struct {
	base       string
	hc         *http.Client
	token      func(ctx context.Context) (string, error)
	pageSize   int
	maxRetries int
	maxDelay   time.Duration
}

// New returns a client of the MLflow REST API rooted at baseURL, the part of the URL before
// /api/2.0/mlflow/... (see TrackingBase). baseURL must be an absolute http or https URL.
func New(baseURL string, opts *Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("mlflowrest: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mlflowrest: base URL %q is not an absolute http(s) URL", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("mlflowrest: base URL %q has a query or fragment", u.Redacted())
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), hc: o.HTTPClient, token: o.Token,
		pageSize: o.PageSize, maxRetries: o.MaxRetries, maxDelay: o.MaxRetryDelay}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	switch {
	case c.pageSize <= 0:
		c.pageSize = DefaultPageSize
	case c.pageSize > MaxPageSize:
		c.pageSize = MaxPageSize
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxDelay <= 0 {
		c.maxDelay = DefaultMaxRetryDelay
	}
	return c, nil
}

// BaseURL returns the API root the client was built on.
func (c *Client) BaseURL() string { return c.base }

// ErrNotFound matches (errors.Is) an *Error whose error_code is RESOURCE_DOES_NOT_EXIST.
var ErrNotFound = errors.New("mlflowrest: resource does not exist")

// Error is an error answer of the server.
type Error struct {
	Method     string // GET or POST
	Endpoint   string // e.g. "runs/get" (below /api/2.0/mlflow/)
	StatusCode int    // the HTTP status
	Code       string // MLflow's error_code, e.g. RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE
	Message    string // the server's message
}

// Error returns "mlflowrest: METHOD endpoint: HTTP status CODE: message".
func (e *Error) Error() string {
	msg := fmt.Sprintf("mlflowrest: %s %s: HTTP %d", e.Method, e.Endpoint, e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is reports whether target is ErrNotFound and e is RESOURCE_DOES_NOT_EXIST.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Code == "RESOURCE_DOES_NOT_EXIST"
}

// errorBody is MLflow's error document; Azure ML adds an "Error" object whose Message is the
// readable text when "message" is empty.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
	Azure     *struct {
		Code    string `json:"Code"`
		Message string `json:"Message"`
	} `json:"Error"`
}

const maxErrorBody = 64 << 10

// call sends one API call (GET with query, or POST with a JSON body) and decodes the answer
// into out (nil: discard), retrying 429/503 (and GET transport errors) with backoff.
func (c *Client) call(ctx context.Context, method, endpoint string, query url.Values, in, out any) error {
	target := c.base + "/api/2.0/mlflow/" + endpoint
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("mlflowrest: %s %s: encoding the request: %w", method, endpoint, err)
		}
	}
	for attempt := 0; ; attempt++ {
		delay, err := c.attempt(ctx, method, endpoint, target, body, out)
		if err == nil {
			return nil
		}
		if delay < 0 || attempt >= c.maxRetries {
			return err
		}
		if delay == 0 {
			delay = time.Second << min(attempt, 5)
		}
		delay = min(delay, c.maxDelay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up waiting to retry: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// attempt sends the request once. A non-nil error comes with the delay before a retry:
// negative = do not retry, 0 = the default backoff, positive = what Retry-After asked.
func (c *Client) attempt(ctx context.Context, method, endpoint, target string, body []byte, out any) (time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return -1, fmt.Errorf("mlflowrest: %s %s: %w", method, endpoint, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != nil {
		tok, err := c.token(ctx)
		if err != nil {
			return -1, fmt.Errorf("mlflowrest: %s %s: getting a token: %w", method, endpoint, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error names the URL (never the headers, so never the token).
		err = fmt.Errorf("mlflowrest: %s %s: %w", method, endpoint, err)
		if method == http.MethodGet && ctx.Err() == nil {
			return 0, err
		}
		return -1, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if out == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			return 0, nil
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return -1, fmt.Errorf("mlflowrest: %s %s: decoding the answer: %w", method, endpoint, err)
		}
		return 0, nil
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{Method: method, Endpoint: endpoint, StatusCode: resp.StatusCode}
	var eb errorBody
	if json.Unmarshal(data, &eb) == nil {
		e.Code, e.Message = eb.ErrorCode, eb.Message
		if e.Message == "" && eb.Azure != nil {
			e.Message = eb.Azure.Message
		}
		if e.Code == "" && eb.Azure != nil {
			e.Code = eb.Azure.Code
		}
	} else if s := strings.TrimSpace(string(data)); s != "" {
		e.Message = truncate(s, 500)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		return retryAfter(resp.Header.Get("Retry-After")), e
	}
	return -1, e
}

// retryAfter parses a Retry-After header (seconds or an HTTP date); 0 when absent or invalid.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return time.Millisecond // "retry now"; still yield once
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
