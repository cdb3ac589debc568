package hyperdrive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/testenv"
)

// byNumberScript behaves by the child's number n (the end of AZUREML_RUN_ID): it logs
// values[n] as the metric, then exits with codes[n] or, with block[n], waits forever.
func byNumberScript(metric string, values []float64, codes []int, block []bool) string {
	v, _ := json.Marshal(values)
	c, _ := json.Marshal(codes)
	b := strings.ReplaceAll(strings.ReplaceAll(fmt.Sprint(block), "true", "True"), "false", "False")
	b = strings.ReplaceAll(strings.Trim(b, "[]"), " ", ", ")
	return fmt.Sprintf(`import os, sys, time
from azureml.core import Run
n = int(os.environ["AZUREML_RUN_ID"].rsplit("_", 1)[1])
run = Run.get_context()
run.log(%q, %s[n])
print("logged", flush=True)
while [%s][n]:
    time.sleep(0.05)
sys.exit(%s[n])
`, metric, v, b, c)
}

// submitByNumber submits a sweep of total runs of byNumberScript.
func submitByNumber(t *testing.T, name, script string, total, concurrent int, goal PrimaryMetricGoal, policy Policy) (*HyperDriveRun, *experiment.Experiment) {
	t.Helper()
	ws := openWorkspace(t, filepath.Join(t.TempDir(), "ws"))
	exp, err := experiment.New(ws, name)
	require.NoError(t, err)
	cfg := sweepConfig(writeSource(t, map[string]string{"train.py": script}), python(t), total, concurrent)
	cfg.RunConfig.Arguments = nil
	cfg.PrimaryMetricName, cfg.PrimaryMetricGoal, cfg.Policy = "loss", goal, policy
	hd, err := Submit(context.Background(), exp, cfg, &SubmitOptions{Targets: []compute.ComputeTarget{fastLocal(t, ws)}})
	require.NoError(t, err)
	t.Cleanup(func() { stopSweep(hd) })
	return hd, exp
}

func childStatuses(t *testing.T, hd *HyperDriveRun) map[string]experiment.Status {
	out := map[string]experiment.Status{}
	for c, err := range hd.Run.Children(context.Background()) {
		require.NoError(t, err)
		st, err := c.Status(context.Background())
		require.NoError(t, err)
		out[strings.TrimPrefix(c.ID(), hd.ID())] = st
	}
	return out
}

func TestCancelCancelsEveryChild(t *testing.T) {
	ctx := testContext(t)
	hd, _ := submitByNumber(t, "cancel", byNumberScript("loss", []float64{1, 2, 3, 4, 5, 6}, []int{0, 0, 0, 0, 0, 0}, []bool{true, true, true, true, true, true}), 6, 3, Minimize, nil)
	var out testenv.Watch
	waited := make(chan error, 1)
	go func() { _, err := hd.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out}); waited <- err }()
	for n := range 3 {
		out.WaitFor(t, fmt.Sprintf("Successfully scheduled a job. Id='%s_%d'", hd.ID(), n), testenv.Patience)
	}
	// The sweep's log while it runs: what it holds now, and followed to its end.
	var now strings.Builder
	require.NoError(t, hd.Logs(ctx, &now, nil))
	assert.Contains(t, now.String(), "[API][INFO]Experiment created")
	assert.Contains(t, now.String(), fmt.Sprintf("Successfully scheduled a job. Id='%s_2'", hd.ID()))
	assert.True(t, strings.HasSuffix(now.String(), "<END>\n"), "whole records only")
	var followed testenv.Watch
	follow := make(chan error, 1)
	go func() { follow <- hd.Logs(ctx, &followed, &experiment.LogsOptions{Follow: true}) }()
	require.NoError(t, hd.Cancel(ctx))
	err := <-waited
	require.NoError(t, <-follow)
	assert.True(t, strings.HasPrefix(followed.String(), now.String()), "the followed log begins with what was there")
	assert.Contains(t, followed.String(), "The HyperDrive run ended Canceled")
	assert.Equal(t, 1, strings.Count(followed.String(), "Experiment created"), "no record twice")
	var stored strings.Builder
	require.NoError(t, hd.Logs(ctx, &stored, nil))
	assert.Equal(t, followed.String(), stored.String(), "the stored log is the followed one")
	var re *experiment.RunError
	require.ErrorAs(t, err, &re, out.String())
	assert.Equal(t, experiment.StatusCanceled, re.Status)
	assert.Equal(t, canceledByParent, re.Message)
	assert.Equal(t, map[string]experiment.Status{"_0": experiment.StatusCanceled, "_1": experiment.StatusCanceled, "_2": experiment.StatusCanceled}, childStatuses(t, hd))
	for c, err := range hd.Run.Children(ctx) {
		require.NoError(t, err)
		_, err := c.WaitForCompletion(ctx, nil)
		require.ErrorAs(t, err, &re)
		assert.Equal(t, canceledByParent, re.Message, c.ID())
	}
	hps, err := hd.Hyperparameters(ctx)
	require.NoError(t, err)
	assert.Len(t, hps, 3, "only the launched children keep a configuration")
	require.NoError(t, hd.Cancel(ctx), "canceling an ended sweep does nothing")
}

func TestPolicyStoppedChildIsCanceledWithTheReason(t *testing.T) {
	ctx := testContext(t)
	bandit, err := BanditPolicy(&BanditOptions{EvaluationInterval: 1, SlackFactor: 0.1})
	require.NoError(t, err)
	// Child 0 (the first batch, never stopped) logs 1.0 and ends; child 1 logs 0.1 and
	// would run forever but for the policy: 0.1·1.1 < 1.0.
	hd, _ := submitByNumber(t, "policy", byNumberScript("loss", []float64{1.0, 0.1}, []int{0, 0}, []bool{false, true}), 2, 1, Maximize, bandit)
	details, err := hd.WaitForCompletion(ctx, nil)
	require.NoError(t, err, childrenReport(hd))
	assert.Equal(t, experiment.StatusCompleted, details.Status, "a sweep with a stopped child completes")
	assert.Equal(t, map[string]experiment.Status{"_0": experiment.StatusCompleted, "_1": experiment.StatusCanceled}, childStatuses(t, hd))
	c, err := experiment.GetRun(ctx, hd.ws, hd.ID()+"_1")
	require.NoError(t, err)
	_, err = c.WaitForCompletion(ctx, nil)
	var re *experiment.RunError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, re.Message, "The run was canceled by the early termination policy (Bandit): ")
	best, err := hd.BestRunByPrimaryMetric(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, hd.ID()+"_0", best.ID())
}

func TestFailedChildDoesNotStopTheSweep(t *testing.T) {
	ctx := testContext(t)
	// Child 1 fails; child 0's loss is exactly 0, the best (azureml would drop it).
	hd, _ := submitByNumber(t, "failing", byNumberScript("loss", []float64{0, -5, 2, 3}, []int{0, 3, 0, 0}, []bool{false, false, false, false}), 4, 2, Minimize, nil)
	details, err := hd.WaitForCompletion(ctx, nil)
	require.NoError(t, err, childrenReport(hd))
	assert.Equal(t, experiment.StatusCompleted, details.Status)
	assert.Equal(t, map[string]experiment.Status{"_0": experiment.StatusCompleted, "_1": experiment.StatusFailed,
		"_2": experiment.StatusCompleted, "_3": experiment.StatusCompleted}, childStatuses(t, hd))
	best, err := hd.BestRunByPrimaryMetric(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, hd.ID()+"_1", best.ID(), "failed runs count by default")
	best, err = hd.BestRunByPrimaryMetric(ctx, &BestRunOptions{ExcludeFailed: true})
	require.NoError(t, err)
	assert.Equal(t, hd.ID()+"_0", best.ID(), "a best value of 0 is a value")
	id, value := bestTableEnd(t, hd)
	assert.Equal(t, []any{hd.ID() + "_1", -5.0}, []any{id, value})
	sorted, err := hd.ChildrenSortedByPrimaryMetric(ctx, &SortOptions{Reverse: true, Top: 2})
	require.NoError(t, err)
	require.Len(t, sorted, 2)
	assert.Equal(t, []string{hd.ID() + "_3", hd.ID() + "_2"}, []string{sorted[0].RunID, sorted[1].RunID})
}

func TestEveryChildFailedFailsTheSweep(t *testing.T) {
	ctx := testContext(t)
	hd, _ := submitByNumber(t, "all-failing", byNumberScript("loss", []float64{1, 2}, []int{1, 1}, []bool{false, false}), 2, 2, Minimize, nil)
	_, err := hd.WaitForCompletion(ctx, nil)
	var re *experiment.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, experiment.StatusFailed, re.Status)
	assert.Contains(t, re.Message, "User errors were found in at least one of the child runs")
	no := false
	details, err := hd.WaitForCompletion(ctx, &WaitOptions{RaiseOnError: &no})
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusFailed, details.Status)
	_, err = hd.BestRunByPrimaryMetric(ctx, &BestRunOptions{ExcludeFailed: true})
	assert.True(t, errors.Is(err, ErrNoBestRun), "%v", err)
}

func TestMaxDurationCancelsTheRunningChildren(t *testing.T) {
	ctx := testContext(t)
	saved := minute
	minute = 100 * time.Microsecond // the default 10080 minutes last about a second
	t.Cleanup(func() { minute = saved })
	hd, _ := submitByNumber(t, "deadline", byNumberScript("loss", []float64{1, 2, 3, 4}, []int{0, 0, 0, 0}, []bool{true, true, true, true}), 4, 2, Minimize, nil)
	var out testenv.Watch
	details, err := hd.WaitForCompletion(ctx, &WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, experiment.StatusCompleted, details.Status, "a sweep that reached its duration completes")
	assert.Contains(t, out.String(), deadlineReason)
	statuses := childStatuses(t, hd)
	assert.Len(t, statuses, 2, "nothing is launched after the deadline: %v", statuses)
	for id, st := range statuses {
		assert.Equal(t, experiment.StatusCanceled, st, id)
	}
}

// stopSweep cancels a sweep a failed test left running, so that its scripts do not outlive
// the test.
func stopSweep(hd *HyperDriveRun) {
	ctx, cancel := context.WithTimeout(context.Background(), testenv.Patience)
	defer cancel()
	if st, err := hd.Run.Status(ctx); err != nil || st.Terminal() {
		return
	}
	_ = hd.Cancel(ctx)
	no := false
	_, _ = hd.WaitForCompletion(ctx, &WaitOptions{RaiseOnError: &no})
}
