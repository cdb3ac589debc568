// Package sasredact keeps SAS tokens out of text and errors: a URL's query (where a SAS token
// travels) is cut, and a stray signature replaced, while an error chain keeps its meaning for
// errors.Is and errors.As.
package sasredact

import (
	"net/url"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// urlQuery matches a URL's query; sigParam a SAS signature outside of a URL.
var (
	urlQuery = regexp.MustCompile(`(?i)(\bhttps?://[^\s"'<>?]*)\?[^\s"'<>]*`)
	sigParam = regexp.MustCompile(`(?i)\bsig=[^&\s"'<>]*`)
)

// Text removes every URL's query (where a SAS token travels) and any stray SAS
// signature from s.
func Text(s string) string {
	s = urlQuery.ReplaceAllString(s, "$1")
	return sigParam.ReplaceAllString(s, "sig=REDACTED")
}

// URL returns u without its query, for error messages.
func URL(u string) string {
	if p, err := url.Parse(u); err == nil {
		p.RawQuery, p.ForceQuery, p.User = "", false, nil
		return p.String()
	}
	return Text(u)
}

// Error returns err unchanged when no error in its chain carries a SAS token in its text, and
// otherwise an equivalent chain without the tokens: a *url.Error (what net/http returns, with
// the full request URL) is copied with its URL cut at the query, other errors whose text needs
// it are replaced by their redacted text, still unwrapping to their (redacted) causes, so that
// errors.Is(err, context.Canceled) and errors.As(err, **azcore.ResponseError) keep working.
func Error(err error) error {
	if err == nil || !needsRedaction(err) {
		return err
	}
	if ue, ok := err.(*url.Error); ok {
		return &url.Error{Op: ue.Op, URL: URL(ue.URL), Err: Error(ue.Err)}
	}
	r := &redactedError{msg: Text(err.Error())}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if c := u.Unwrap(); c != nil {
			r.causes = []error{Error(c)}
		}
	case interface{ Unwrap() []error }:
		for _, c := range u.Unwrap() {
			r.causes = append(r.causes, Error(c))
		}
	}
	return r
}

// needsRedaction reports whether err's text, or that of any error it wraps, carries a token.
func needsRedaction(err error) bool {
	if err == nil {
		return false
	}
	if msg := err.Error(); Text(msg) != msg {
		return true
	}
	if _, ok := err.(*azcore.ResponseError); ok {
		return false // its text names the request by path only; it wraps nothing
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return needsRedaction(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, c := range u.Unwrap() {
			if needsRedaction(c) {
				return true
			}
		}
	}
	return false
}

// redactedError is an error whose text had a SAS token removed.
type redactedError struct {
	msg    string
	causes []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.causes }
