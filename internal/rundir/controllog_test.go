package rundir

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestControlLogStampsEveryLine(t *testing.T) {
	var buf bytes.Buffer
	c := NewControlLog(&buf)
	c.now = func() time.Time { return time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC) }
	fmt.Fprint(c, "one\ntwo")
	fmt.Fprint(c, " continued\nthree\n")
	assert.Equal(t, "[2026-11-28T07:00:00.000000Z] one\n[2026-11-28T07:00:00.000000Z] two continued\n[2026-11-28T07:00:00.000000Z] three\n", buf.String())
}
