package rundir

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// ControlLog writes azureml-logs/60_control_log.txt: every line gets a UTC timestamp, whoever
// writes it (the target itself, environment preparation, a conda build's output).
type ControlLog struct {
	mu          sync.Mutex
	w           io.Writer
	midLine     bool
	now         func() time.Time
	stampLayout string
}

// NewControlLog returns a ControlLog writing to w.
func NewControlLog(w io.Writer) *ControlLog {
	return &ControlLog{w: w, now: time.Now, stampLayout: "2006-01-02T15:04:05.000000Z"}
}

// Write prefixes each line of p that starts a line with "[timestamp] ".
func (c *ControlLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []byte
	stamp := "[" + c.now().UTC().Format(c.stampLayout) + "] "
	rest := p
	for len(rest) > 0 {
		if !c.midLine {
			out = append(out, stamp...)
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			out = append(out, rest...)
			c.midLine = true
			break
		}
		out = append(out, rest[:i+1]...)
		c.midLine = false
		rest = rest[i+1:]
	}
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
