package sshx

import "strings"

// Quote returns s quoted for a POSIX shell: wrapped in single quotes, with each
// embedded single quote closed, backslash-escaped and reopened:
//
//	Quote("it's") == `'it'\''s'`
//
// The result is always one shell word whose value is exactly s (a shell cannot
// carry NUL bytes, so s must not contain any); the empty string becomes a pair
// of single quotes.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// QuoteArgs quotes each argument with Quote and joins them with spaces, giving
// a command line whose words are exactly args.
func QuoteArgs(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}
