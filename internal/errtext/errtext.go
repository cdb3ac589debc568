// Package errtext keeps the names of amlgo's internal packages out of the errors the public
// packages return: an internal error's text starts with its own package's name ("envbuild: ",
// "store: ", ...), which means nothing to a user once a public package ("compute: ",
// "experiment: ", "workspace: ") has wrapped it.
package errtext

import (
	"regexp"
)

// internalPrefix matches an internal package's "name: " where a message or a wrapped
// message starts: at the start, or after ": ", "; " or "(". Add new internal packages here.
var internalPrefix = regexp.MustCompile(`(^|: |; |\()(?:amlemu|arm|azuritetest|bench|codeasset|dockerexec|dockertest|driver|envbuild|errtext|localexec|mlflowrest|mlflowtest|remotehost|rundir|sshx|store|testenv|wsaccess): `)

// Public returns err with every internal package prefix removed from its text. The result
// unwraps to err, so errors.Is and errors.As see everything err holds. nil stays nil, and an
// error without such a prefix is returned as is.
func Public(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := Clean(msg)
	if clean == msg {
		return err
	}
	return &publicError{msg: clean, err: err}
}

// Clean removes the internal package prefixes from a message (see Public).
func Clean(msg string) string {
	for {
		next := internalPrefix.ReplaceAllString(msg, "$1")
		if next == msg {
			return msg
		}
		msg = next
	}
}

type publicError struct {
	msg string
	err error
}

func (e *publicError) Error() string { return e.msg }
func (e *publicError) Unwrap() error { return e.err }
