// Package latency measures how long printed lines take to reach an io.Writer, for the
// benchmark programs: a script prints "<time.time_ns()> <i>" lines, and Writer records, for each
// line written to it, the delay since that timestamp (same machine, one clock).
package latency

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Writer records the latency of every "<unix ns> <i>" line written to it. It is safe for
// concurrent use.
type Writer struct {
	mu      sync.Mutex
	pending []byte
	lat     []time.Duration
}

// Write records the lines completed by p; other lines are ignored.
func (w *Writer) Write(p []byte) (int, error) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			break
		}
		f := strings.Fields(string(w.pending[:i]))
		w.pending = w.pending[i+1:]
		if len(f) != 2 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || ns < 1e18 {
			continue
		}
		w.lat = append(w.lat, now.Sub(time.Unix(0, ns)))
	}
	return len(p), nil
}

// Latencies returns the recorded latencies in arrival order.
func (w *Writer) Latencies() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.lat)
}

// Percentile returns the p-th percentile of d (nearest rank; p = 100 is the maximum).
func Percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

// Median returns the median of d.
func Median(d []time.Duration) time.Duration { return Percentile(d, 50) }
