package experiment_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// TestManyConcurrentRuns submits 50 runs of one experiment at once: 40 from 8 goroutines of this
// process and 10 from a second process. All complete, none is lost, and the store is intact.
func TestManyConcurrentRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("50 runs")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, err := workspace.Open(dir, nil)
	require.NoError(t, err)
	defer ws.Close()
	python(t)
	src := sourceDir(t, map[string]string{"s.py": "from azureml.core import Run\nrun = Run.get_context()\nrun.log('id', run.id)\nprint('hello from', run.id)\n"})
	exp, err := experiment.New(ws, "concurrent")
	require.NoError(t, err)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=submit-many", "HELPER_WS="+dir, "HELPER_SRC="+src, "HELPER_EXPERIMENT=concurrent", "HELPER_COUNT=10", "HELPER_PYTHON="+python(t))
	var helperOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &helperOut, &helperOut
	require.NoError(t, cmd.Start())

	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				run, err := exp.Submit(ctx, runconfigFor(src, userManaged(t)), nil)
				if err != nil {
					errs <- err
					return
				}
				if _, err := run.WaitForCompletion(ctx, nil); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	require.NoError(t, cmd.Wait(), helperOut.String())

	n := 0
	for run, err := range exp.Runs(ctx, nil) {
		require.NoError(t, err)
		n++
		st, err := run.Status(ctx)
		require.NoError(t, err)
		if !assert.Equal(t, experiment.StatusCompleted, st, run.ID()) {
			d, _ := run.Details(ctx)
			t.Logf("details of %s: %s exit=%v", run.ID(), d.Error, d.ExitCode)
		}
		m, err := run.Metrics(ctx)
		require.NoError(t, err)
		assert.Equal(t, run.ID(), m["id"])
	}
	assert.Equal(t, 50, n)
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	require.NoError(t, st.IntegrityCheck(ctx))
}
