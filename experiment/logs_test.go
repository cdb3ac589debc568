package experiment_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
)

// TestLogsFollow follows a running run's log to its end: every line, in order, once.
func TestLogsFollow(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "follow")
	require.NoError(t, err)
	script := "import time\nfor i in range(20):\n    print('tick', i, flush=True)\n    time.sleep(0.02)\n"
	run, err := exp.Submit(ctx, runconfigFor(sourceDir(t, map[string]string{"s.py": script}), userManaged(t)), nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, run.Logs(ctx, &buf, &experiment.LogsOptions{Follow: true}))
	var want strings.Builder
	for i := range 20 {
		fmt.Fprintf(&want, "tick %d\n", i)
	}
	assert.Equal(t, want.String(), buf.String())
	st, err := run.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCompleted, st, "following to the end finalizes the run")

	// The control log is available by name too.
	buf.Reset()
	require.NoError(t, run.Logs(ctx, &buf, &experiment.LogsOptions{Name: "azureml-logs/60_control_log.txt"}))
	assert.Contains(t, buf.String(), "Starting run "+run.ID())
}
