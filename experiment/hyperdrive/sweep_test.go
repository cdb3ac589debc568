package hyperdrive

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
)

func TestSweepOnLocal(t *testing.T) {
	ctx := testContext(t)
	ws := openWorkspace(t, filepath.Join(t.TempDir(), "ws"))
	exp, err := experiment.New(ws, "sweep")
	require.NoError(t, err)
	src := writeSource(t, map[string]string{"train.py": trainScript("")})
	hd, err := Submit(ctx, exp, sweepConfig(src, python(t), 6, 2), &SubmitOptions{Targets: []compute.ComputeTarget{fastLocal(t, ws)}})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hd.ID(), "HD_"), hd.ID())
	assert.Equal(t, RunType, hd.Type())
	var out strings.Builder
	details, err := hd.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out})
	require.NoError(t, err, "%s\n%s", out.String(), childrenReport(hd))
	assert.Equal(t, experiment.StatusCompleted, details.Status)

	log := out.String()
	assert.Contains(t, log, "RunId: "+hd.ID())
	assert.Contains(t, log, "[API][INFO]Experiment created<END>")
	assert.Contains(t, log, "[GENERATOR][INFO]Trying to sample '2' jobs from the hyperparameter space<END>")
	assert.Contains(t, log, "[GENERATOR][INFO]Successfully sampled '2' jobs, they will soon be submitted to the execution target.<END>")
	assert.Contains(t, log, "[SCHEDULER][INFO]Scheduling job, id='"+hd.ID()+"_0'<END>")
	assert.Contains(t, log, "[SCHEDULER][INFO]Successfully scheduled a job. Id='"+hd.ID()+"_5'<END>")
	assert.Contains(t, log, "Execution Summary")

	// Six children <parent>_0..5, each an ordinary script run with the values as arguments.
	hps, err := hd.Hyperparameters(ctx)
	require.NoError(t, err)
	require.Len(t, hps, 6)
	var ids []string
	for c, err := range hd.Run.Children(ctx) {
		require.NoError(t, err)
		ids = append(ids, c.ID())
		st, err := c.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, experiment.StatusCompleted, st, c.ID())
		var logs strings.Builder
		require.NoError(t, c.Logs(ctx, &logs, nil))
		hp := hps[c.ID()]
		require.NotNil(t, hp, c.ID())
		want := "argv ['--epochs', '3', '--lr', '" + valueText(hp["lr"]) + "', '--units', '" + valueText(hp["units"]) + "']"
		assert.Contains(t, logs.String(), want, c.ID())
		files, err := c.FileNames(ctx)
		require.NoError(t, err)
		assert.Contains(t, files, "outputs/model.txt")
	}
	assert.ElementsMatch(t, []string{hd.ID() + "_0", hd.ID() + "_1", hd.ID() + "_2", hd.ID() + "_3", hd.ID() + "_4", hd.ID() + "_5"}, ids)
	seen := map[string]bool{}
	for _, hp := range hps {
		b, _ := json.Marshal(hp)
		assert.False(t, seen[string(b)], "configuration %s sampled twice", b)
		seen[string(b)] = true
	}

	// The parent's tags and properties are azureml's.
	tags, err := hd.Tags(ctx)
	require.NoError(t, err)
	for _, k := range []string{"generator_config", "primary_metric_config", "policy_config", "platform_config"} {
		assert.True(t, json.Valid([]byte(tags[k])), k)
	}
	assert.Equal(t, `{"name":"accuracy","goal":"maximize"}`, tags["primary_metric_config"])
	assert.Equal(t, "6", tags["max_total_jobs"])
	assert.Equal(t, "2", tags["max_concurrent_jobs"])
	assert.Equal(t, "10080", tags["max_duration_minutes"])
	props, err := hd.Properties(ctx)
	require.NoError(t, err)
	assert.Equal(t, "null", props["resume_from"])
	assert.Equal(t, "null", props["resume_child_runs"])
	assert.Equal(t, "AML", props["platform"])
	var platform platformConfig
	require.NoError(t, json.Unmarshal([]byte(tags["platform_config"]), &platform))
	assert.Equal(t, props["ContentSnapshotId"], platform.Definition.SnapshotID)
	assert.Equal(t, "sweep", platform.ExperimentName)
	files, err := hd.FileNames(ctx)
	require.NoError(t, err)
	assert.Contains(t, files, LogName)

	// Sorted children and the best run.
	sorted, err := hd.ChildrenSortedByPrimaryMetric(ctx, nil)
	require.NoError(t, err)
	require.Len(t, sorted, 6)
	for i := 1; i < len(sorted); i++ {
		assert.GreaterOrEqual(t, *sorted[i-1].BestPrimaryMetric, *sorted[i].BestPrimaryMetric)
	}
	best, err := hd.BestRunByPrimaryMetric(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, sorted[0].RunID, best.ID())
	hp := hps[best.ID()]
	assert.InDelta(t, hp["lr"].(float64)*hp["units"].(float64)/32, *sorted[0].BestPrimaryMetric, 1e-9)
	m, err := hd.Metrics(ctx)
	require.NoError(t, err)
	assert.Len(t, m, 6)
	assert.Len(t, m[best.ID()]["accuracy"], 3)

	again, err := GetRun(ctx, ws, hd.ID())
	require.NoError(t, err)
	assert.Equal(t, "accuracy", again.PrimaryMetricName())
	_, err = GetRun(ctx, ws, best.ID())
	assert.ErrorIs(t, err, ErrNotHyperDrive)
}
