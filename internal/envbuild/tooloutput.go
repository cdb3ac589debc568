package envbuild

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Limits of the tool-output tail kept for error messages.
const (
	tailLines     = 20
	maxLineBytes  = 1000      // longer lines are cut in the tail
	maxPendingLen = 64 * 1024 // a partial line longer than this is flushed
)

// toolOutput streams a tool's combined stdout and stderr to the control log
// line by line and remembers the last lines for error messages.
type toolOutput struct {
	mu      sync.Mutex
	dst     io.Writer
	pending []byte
	tail    []string
}

func newToolOutput(dst io.Writer) *toolOutput { return &toolOutput{dst: dst} }

// Write implements io.Writer. Control-log write errors are ignored: a broken
// log must not fail the build.
func (o *toolOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending = append(o.pending, p...)
	for {
		i := bytes.IndexByte(o.pending, '\n')
		if i < 0 {
			break
		}
		o.emit(o.pending[:i+1])
		o.pending = o.pending[i+1:]
	}
	if len(o.pending) > maxPendingLen {
		o.emit(o.pending)
		o.pending = nil
	}
	return len(p), nil
}

// flush emits a trailing partial line, if any.
func (o *toolOutput) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) > 0 {
		o.emit(append(o.pending, '\n'))
		o.pending = nil
	}
}

func (o *toolOutput) emit(line []byte) {
	_, _ = o.dst.Write(line)
	s := strings.TrimRight(string(line), "\r\n")
	if i := strings.LastIndexByte(s, '\r'); i >= 0 { // progress bars redraw with \r
		s = s[i+1:]
	}
	if strings.TrimSpace(s) == "" {
		return
	}
	if len(s) > maxLineBytes {
		s = s[:maxLineBytes] + "…"
	}
	if len(o.tail) == tailLines {
		copy(o.tail, o.tail[1:])
		o.tail = o.tail[:tailLines-1]
	}
	o.tail = append(o.tail, s)
}

// lastLines returns the remembered tail, one line per element.
func (o *toolOutput) lastLines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.tail...)
}
