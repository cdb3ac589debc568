package driver

import (
	"os/exec"
	"testing"
	"time"

	"github.com/amlgo/amlgo/internal/testenv"
)

// BenchmarkWrapperNoOp measures the wrapper's fast path: a command that does nothing and leaves
// no process behind. Besides the wall time of a whole wrapper run (ns/op) it reports the gap
// between the started_at and ended_at the wrapper records (started-ended-ms/op), which is the
// overhead a run's recorded duration carries; on an idle machine it is a few milliseconds.
func BenchmarkWrapperNoOp(b *testing.B) {
	if _, err := exec.LookPath("bash"); err != nil {
		testenv.SkipOrFail(b, "bash not available")
	}
	var gap time.Duration
	for b.Loop() {
		b.StopTimer()
		p := newRunDir(b)
		b.StartTimer()
		cmd := startWrapper(b, p, nil, nil, "true")
		if code := waitExit(b, cmd, testenv.Patience); code != 0 {
			b.Fatalf("exit code %d", code)
		}
		b.StopTimer()
		s := readState(b, p)
		gap += s.EndedAt.Sub(s.StartedAt)
		b.StartTimer()
	}
	b.ReportMetric(float64(gap.Microseconds())/1000/float64(b.N), "started-ended-ms/op")
}
