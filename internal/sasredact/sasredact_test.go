package sasredact

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secretURL = "https://acct.blob.core.windows.net/c/code/a.py?sv=2025-01-05&se=2030-01-01&sr=c&sp=racwl&sig=S3cr3t%2Fsig%3D"

func TestRedactURLError(t *testing.T) {
	inner := &url.Error{Op: "Put", URL: secretURL, Err: context.DeadlineExceeded}
	err := Error(fmt.Errorf("retry: %w", inner))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "S3cr3t")
	assert.NotContains(t, err.Error(), "sp=racwl")
	assert.Contains(t, err.Error(), "https://acct.blob.core.windows.net/c/code/a.py")
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "https://acct.blob.core.windows.net/c/code/a.py", ue.URL)
	assert.True(t, ue.Timeout())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRedactKeepsCleanErrorsAndSentinels(t *testing.T) {
	clean := fmt.Errorf("x: %w", context.Canceled)
	assert.Same(t, clean, Error(clean))
	assert.Nil(t, Error(nil))

	joined := Error(errors.Join(errors.New("see "+secretURL), context.Canceled))
	assert.NotContains(t, joined.Error(), "S3cr3t")
	assert.ErrorIs(t, joined, context.Canceled)

	// A signature outside a URL, and a wrapper whose own text hides its cause's.
	stray := Error(&hiding{errors.New("bad token sig=S3cr3t&se=1")})
	assert.Equal(t, "upload failed", stray.Error())
	causes := stray.(interface{ Unwrap() []error }).Unwrap()
	require.Len(t, causes, 1)
	assert.Equal(t, "bad token sig=REDACTED&se=1", causes[0].Error())
}

type hiding struct{ err error }

func (h *hiding) Error() string { return "upload failed" }
func (h *hiding) Unwrap() error { return h.err }

func TestRedactURL(t *testing.T) {
	assert.Equal(t, "https://acct.blob.core.windows.net/c/code/a.py", URL(secretURL))
	assert.Equal(t, "http://x/c", URL("http://user:pw@x/c?sig=1"))
	assert.NotContains(t, URL("http://[::1/c?sig=topsecret"), "topsecret")
}
