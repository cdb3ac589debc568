// Package computetest is the conformance suite for compute.ComputeTarget implementations: every
// target that can run on this machine passes the same tests (start, observe to the end, logs in
// order, metric records, exit codes, cancel, and reattaching from the persisted state).
package computetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
)

// Job returns a job that runs script as s.py from a fresh source directory with python3 as a
// user-managed interpreter (rc == nil) or with rc.
func Job(t testing.TB, id, script string, rc *runconfig.RunConfiguration) *compute.Job {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		testenv.SkipOrFail(t, "python3 not found")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.py"), []byte(script), 0o644))
	snap, err := snapshot.Take(context.Background(), dir, nil)
	require.NoError(t, err)
	if rc == nil {
		rc = runconfig.New()
		rc.Environment.Python.UserManagedDependencies = true
		rc.Environment.Python.InterpreterPath = "python3"
	} else {
		rc = rc.Clone()
	}
	rc.Script = "s.py"
	return &compute.Job{
		RunID: id, Experiment: "exp", Workspace: "ws", RunConfig: rc, Snapshot: snap,
		OpenFile: func(f snapshot.File) (io.ReadCloser, error) {
			return os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		},
	}
}

// Follow observes exec until it ends and returns the last observation, the driver log (checking
// that chunks arrive contiguously) and the metric records.
func Follow(t testing.TB, exec compute.Execution) (*compute.Observation, string, []compute.Record) {
	t.Helper()
	var cur compute.Cursor
	var log bytes.Buffer
	var recs []compute.Record
	deadline := time.Now().Add(3 * testenv.Patience)
	for time.Now().Before(deadline) {
		obs, err := exec.Observe(context.Background(), cur)
		require.NoError(t, err)
		for _, c := range obs.Logs {
			if c.Name == "azureml-logs/70_driver_log.txt" {
				require.Equal(t, int64(log.Len()), c.Offset, "log chunks must be contiguous")
				log.Write(c.Data)
			}
		}
		recs = append(recs, obs.Records...)
		cur = obs.Next
		switch obs.Status {
		case "Completed", "Failed", "Canceled":
			if obs.PollAfter == 0 && len(obs.Logs)+len(obs.Records) > 0 {
				continue // more output than one observation carries
			}
			return obs, log.String(), recs
		}
		time.Sleep(obs.PollAfter)
	}
	t.Fatal("computetest: execution did not end")
	return nil, "", nil
}

// TestTarget runs the conformance suite against target. Targets that implement
// compute.Reattacher are also checked for reattaching.
func TestTarget(t *testing.T, target compute.ComputeTarget) { TestTargetWith(t, target, nil) }

// Options tune TestTargetWith.
type Options struct {
	// RunConfig is the run configuration every job starts from (for example one that runs in
	// Docker); nil means python3 as a user-managed interpreter.
	RunConfig *runconfig.RunConfiguration
}

// TestTargetWith is TestTarget with every job made from opts.RunConfig. opts may be nil.
func TestTargetWith(t *testing.T, target compute.ComputeTarget, opts *Options) {
	ctx := context.Background()
	var base *runconfig.RunConfiguration
	if opts != nil {
		base = opts.RunConfig
	}
	Job := func(t testing.TB, id, script string, rc *runconfig.RunConfiguration) *compute.Job {
		if rc == nil {
			rc = base
		}
		return Job(t, id, script, rc)
	}
	t.Run("CompletesWithLogAndRecords", func(t *testing.T) {
		script := "import os, sys\nfrom azureml.core import Run\nRun.get_context().log('a', 1)\n" +
			"print('run', os.environ['AZUREML_RUN_ID'], os.environ['AZUREML_ARM_PROJECT_NAME'], os.environ['AZUREML_OUTPUT_DIRECTORY'])\n" +
			"print('var', os.environ['EXAMPLE_ENV_VAR'])\nsys.stdout.flush()\nprint('err', file=sys.stderr)\n"
		e, err := target.Start(ctx, Job(t, "conf_complete", script, nil))
		require.NoError(t, err)
		obs, log, recs := Follow(t, e)
		assert.Equal(t, "Completed", obs.Status)
		require.NotNil(t, obs.ExitCode)
		assert.Equal(t, 0, *obs.ExitCode)
		assert.False(t, obs.StartedAt.IsZero())
		assert.False(t, obs.EndedAt.Before(obs.StartedAt))
		assert.Equal(t, "run conf_complete exp ./outputs\nvar EXAMPLE_VALUE\nerr\n", log)
		require.Len(t, recs, 1)
		var rec map[string]any
		require.NoError(t, json.Unmarshal(recs[0].Line, &rec))
		assert.Equal(t, "a", rec["name"])

		if re, ok := target.(compute.Reattacher); ok {
			again, err := re.Reattach(ctx, e.State())
			require.NoError(t, err)
			obs2, log2, recs2 := Follow(t, again)
			assert.Equal(t, obs.Status, obs2.Status)
			assert.Equal(t, log, log2)
			assert.Equal(t, recs, recs2)
		}
		if col, ok := e.(compute.OutputCollector); ok {
			var names []string
			require.NoError(t, col.CollectOutputs(ctx, func(name string, r io.Reader) error {
				names = append(names, name)
				return nil
			}))
			assert.Contains(t, names, "azureml-logs/70_driver_log.txt")
		}
	})
	t.Run("FailsWithExitCode", func(t *testing.T) {
		e, err := target.Start(ctx, Job(t, "conf_fail", "import sys\nsys.exit(7)\n", nil))
		require.NoError(t, err)
		obs, _, _ := Follow(t, e)
		assert.Equal(t, "Failed", obs.Status)
		require.NotNil(t, obs.ExitCode)
		assert.Equal(t, 7, *obs.ExitCode)
		assert.Contains(t, obs.Reason, "7")
	})
	t.Run("Cancels", func(t *testing.T) {
		e, err := target.Start(ctx, Job(t, "conf_cancel", "import time\nprint('up', flush=True)\ntime.sleep(100)\n", nil))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			obs, err := e.Observe(ctx, compute.Cursor{})
			return err == nil && obs.Status == "Running" && len(obs.Logs) > 0
		}, testenv.Patience, 10*time.Millisecond)
		require.NoError(t, e.Cancel(ctx))
		obs, _, _ := Follow(t, e)
		assert.Equal(t, "Canceled", obs.Status)
	})
	t.Run("ObservedAtOnceIsNotLost", func(t *testing.T) {
		// The first Observe comes right after Start returns, before the driver has written a
		// file: the driver is alive from fork on, so a healthy run is never reported lost.
		for i := range 10 {
			e, err := target.Start(ctx, Job(t, fmt.Sprintf("conf_atonce_%d", i), "print('ok')\n", nil))
			require.NoError(t, err)
			first, err := e.Observe(ctx, compute.Cursor{})
			require.NoError(t, err)
			require.False(t, first.SystemError, "run %d: %s", i, first.Reason)
			obs, log, _ := Follow(t, e)
			require.Equal(t, "Completed", obs.Status, "run %d: %s", i, obs.Reason)
			assert.Equal(t, "ok\n", log)
		}
	})
	t.Run("CanceledAtOnceByTheDriver", func(t *testing.T) {
		// A cancel right after Start finds the driver alive and leaves the outcome to it: the
		// run ends Canceled with the driver's exit code (143), never one the SDK wrote for a
		// driver it took for dead (137).
		for i := range 5 {
			e, err := target.Start(ctx, Job(t, fmt.Sprintf("conf_cancelatonce_%d", i), "import time\ntime.sleep(100)\n", nil))
			require.NoError(t, err)
			require.NoError(t, e.Cancel(ctx))
			obs, _, _ := Follow(t, e)
			require.Equal(t, "Canceled", obs.Status, "run %d: %s", i, obs.Reason)
			require.NotNil(t, obs.ExitCode)
			assert.Equal(t, 143, *obs.ExitCode, "run %d", i)
		}
	})
}
