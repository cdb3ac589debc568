package latency

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWriterAndPercentile(t *testing.T) {
	var w Writer
	ns := time.Now().Add(-50 * time.Millisecond).UnixNano()
	fmt.Fprintf(&w, "%d 0\nnoise\n%d", ns, ns)
	fmt.Fprintf(&w, " 1\n")
	lat := w.Latencies()
	assert.Len(t, lat, 2)
	for _, l := range lat {
		assert.GreaterOrEqual(t, l, 50*time.Millisecond)
	}
	d := []time.Duration{5, 1, 4, 2, 3}
	assert.Equal(t, time.Duration(3), Percentile(d, 50))
	assert.Equal(t, time.Duration(5), Percentile(d, 100))
	assert.Equal(t, time.Duration(5), Percentile(d, 95))
	assert.Equal(t, time.Duration(0), Percentile(nil, 50))
}
