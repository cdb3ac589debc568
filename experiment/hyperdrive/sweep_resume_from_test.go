package hyperdrive

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
)

// TestResumeFromWarmStarts runs a sweep of 6 of the 12 configurations, then one that resumes
// from it: the earlier children are the sampler's history (the interim sampler never repeats
// a configuration it was shown), and the best run may be one of them.
func TestResumeFromWarmStarts(t *testing.T) {
	ctx := testContext(t)
	ws := openWorkspace(t, filepath.Join(t.TempDir(), "ws"))
	exp, err := experiment.New(ws, "warm")
	require.NoError(t, err)
	src := writeSource(t, map[string]string{"train.py": trainScript("")})
	local := &SubmitOptions{Targets: []compute.ComputeTarget{fastLocal(t, ws)}}
	first, err := Submit(ctx, exp, sweepConfig(src, python(t), 6, 3), local)
	require.NoError(t, err)
	_, err = first.WaitForCompletion(ctx, nil)
	require.NoError(t, err)

	cfg := sweepConfig(src, python(t), 6, 3)
	cfg.ResumeFrom = []*HyperDriveRun{first}
	bad := cfg
	bad.PrimaryMetricName = "loss"
	assert.EqualError(t, bad.Validate(), "hyperdrive: invalid HyperDriveConfig: primary_metric_name should be the same for all runs. Current run's name is loss, while a run with accuracy was found")
	bad = cfg
	bad.ResumeFrom = []*HyperDriveRun{first, first}
	assert.EqualError(t, bad.Validate(), "hyperdrive: invalid HyperDriveConfig: resume_from cannot contain duplicate runs. More than one run with id '"+first.ID()+"' was found")
	bad = cfg
	bad.MaxTotalRuns = 995
	assert.EqualError(t, bad.Validate(), "hyperdrive: invalid HyperDriveConfig: The number of total runs should not be greater than 1000. ")

	second, err := Submit(ctx, exp, cfg, local)
	require.NoError(t, err)
	_, err = second.WaitForCompletion(ctx, nil)
	require.NoError(t, err)
	props, err := second.Properties(ctx)
	require.NoError(t, err)
	assert.Contains(t, props["resume_from"], `"run_id":"`+first.ID()+`"`)
	a, err := first.Hyperparameters(ctx)
	require.NoError(t, err)
	b, err := second.Hyperparameters(ctx)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, hp := range a {
		seen[valueText(hp["lr"])+"/"+valueText(hp["units"])] = true
	}
	for id, hp := range b {
		assert.False(t, seen[valueText(hp["lr"])+"/"+valueText(hp["units"])], "%s repeats a configuration of the run it resumed from", id)
	}
	// The best of both sweeps: lr 1.0 × units 32 was in one of them.
	best, err := second.BestRunByPrimaryMetric(ctx, nil)
	require.NoError(t, err)
	m, err := best.Metrics(ctx)
	require.NoError(t, err)
	assert.InDelta(t, 1.0, m["accuracy"].([]any)[2], 1e-9)
	own, err := second.BestRunByPrimaryMetric(ctx, &BestRunOptions{ExcludeResumeFrom: true})
	require.NoError(t, err)
	assert.Equal(t, second.ID(), own.ParentID())
}

// TestIncompleteSweepEndsFailed resumes a parent whose Submit died before the sweep's
// configuration was recorded: it ends Failed, saying so, instead of staying Running.
func TestIncompleteSweepEndsFailed(t *testing.T) {
	ctx := testContext(t)
	ws := openWorkspace(t, filepath.Join(t.TempDir(), "ws"))
	exp, err := experiment.New(ws, "incomplete")
	require.NoError(t, err)
	parent, err := exp.StartRun(ctx, &experiment.StartRunOptions{RunID: "HD_incomplete", RunType: RunType, Tags: map[string]string{tagGenerator: "{}"}})
	require.NoError(t, err)
	hd, err := GetRun(ctx, ws, parent.ID())
	require.NoError(t, err)
	_, err = hd.WaitForCompletion(ctx, nil)
	var re *experiment.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, experiment.StatusFailed, re.Status)
	assert.Contains(t, re.Message, notRecordedReason)
}
