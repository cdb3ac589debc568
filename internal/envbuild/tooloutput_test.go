package envbuild

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestToolOutputStreamsAndKeepsTail(t *testing.T) {
	var dst bytes.Buffer
	o := newToolOutput(&dst)
	for i := range 30 {
		fmt.Fprintf(o, "line %d\n", i)
	}
	fmt.Fprint(o, "progress 10%\rprogress 100%\n\n")
	fmt.Fprint(o, "partial")
	assert.NotContains(t, dst.String(), "partial", "partial lines wait for their newline")
	o.flush()
	assert.True(t, strings.HasSuffix(dst.String(), "progress 10%\rprogress 100%\n\npartial\n"))
	tail := o.lastLines()
	assert.Len(t, tail, tailLines)
	assert.Equal(t, "line 12", tail[0])
	assert.Equal(t, []string{"line 29", "progress 100%", "partial"}, tail[len(tail)-3:])
	assert.Equal(t, "; last output:\n  a\n  b", formatTail([]string{"a", "b"}))
	assert.Equal(t, " (no output)", formatTail(nil))
}
