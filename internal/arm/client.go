package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/tracing"
)

// APIVersion is the Microsoft.MachineLearningServices api-version of every request.
const APIVersion = "2025-12-01"

// Module name and version reported in the User-Agent and traces.
const (
	moduleName    = "github.com/amlgo/amlgo"
	moduleVersion = "v0.1.0"
)

// ClientOptions configures the client's pipeline: cloud, transport, retries, logging. It is
// azcore's ARM client options.
type ClientOptions = azarm.ClientOptions

// Client calls Azure Resource Manager. It is safe for concurrent use.
type Client struct {
	ep string
	pl runtime.Pipeline
	tr tracing.Tracer
}

// NewClient returns a client authenticating with cred. opts may be nil; it is not modified.
func NewClient(cred azcore.TokenCredential, opts *ClientOptions) (*Client, error) {
	if cred == nil {
		return nil, errors.New("arm: nil credential")
	}
	c, err := azarm.NewClient(moduleName, moduleVersion, cred, opts.Clone())
	if err != nil {
		return nil, fmt.Errorf("arm: %w", err)
	}
	return &Client{ep: strings.TrimRight(c.Endpoint(), "/"), pl: c.Pipeline(), tr: c.Tracer()}, nil
}

// Endpoint returns the Resource Manager endpoint, without a trailing slash.
func (c *Client) Endpoint() string { return c.ep }

// Pipeline returns the client's pipeline.
func (c *Client) Pipeline() runtime.Pipeline { return c.pl }

// newRequest builds a request for path (escaped) with api-version and the extra query
// parameters, and body encoded as JSON when not nil.
func (c *Client) newRequest(ctx context.Context, method, path string, query map[string]string, body any) (*policy.Request, error) {
	req, err := runtime.NewRequest(ctx, method, c.ep+path)
	if err != nil {
		return nil, fmt.Errorf("arm: %w", err)
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", APIVersion)
	for k, v := range query {
		q.Set(k, v)
	}
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("arm: encoding request: %w", err)
		}
		if err := req.SetBody(streaming(b), "application/json"); err != nil {
			return nil, fmt.Errorf("arm: %w", err)
		}
	}
	return req, nil
}

// do sends req and checks the status code; any other status is an *azcore.ResponseError.
func (c *Client) do(req *policy.Request, codes ...int) (*http.Response, error) {
	resp, err := c.pl.Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, codes...) {
		return nil, runtime.NewResponseError(resp)
	}
	return resp, nil
}

// decode reads resp's JSON body into v.
func decode(resp *http.Response, v any) error {
	if err := runtime.UnmarshalAsJSON(resp, v); err != nil {
		return fmt.Errorf("arm: decoding %s %s response: %w", resp.Request.Method, resp.Request.URL.Path, err)
	}
	return nil
}

// IsNotFound reports whether err is a service response with status 404.
func IsNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

func streaming(b []byte) readSeekNopCloser { return readSeekNopCloser{bytes.NewReader(b)} }

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

var _ io.ReadSeekCloser = readSeekNopCloser{}
