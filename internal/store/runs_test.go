package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateAndGetRun(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	created := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600))
	code := 3
	in := Run{ID: "exp_1_abc", Experiment: "exp", Target: "local", Status: "Queued", ParentID: "p",
		SnapshotID: "snap", DisplayName: "dn", CreatedAt: created, StartedAt: created.Add(time.Second),
		Definition: json.RawMessage(`{"script":"train.py"}`), ExecState: json.RawMessage(`{"pid":1}`),
		ExitCode: &code, Error: json.RawMessage(`{"error":{"message":"boom"}}`)}
	require.NoError(t, s.CreateRun(ctx, in))

	got, err := s.GetRun(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	assert.True(t, got.CreatedAt.Equal(created))
	assert.True(t, got.StartedAt.Equal(created.Add(time.Second)))
	assert.True(t, got.EndedAt.IsZero())
	want := in
	want.CreatedAt, want.StartedAt = got.CreatedAt, got.StartedAt
	assert.Equal(t, want, got)

	exp, err := s.Experiment(ctx, "exp")
	require.NoError(t, err)
	assert.Equal(t, "exp", exp.Name)

	hist, err := s.StatusHistory(ctx, in.ID)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	assert.Equal(t, "Queued", hist[0].Status)
	assert.True(t, hist[0].At.Equal(created))
}

func TestCreateRunDefaults(t *testing.T) {
	s := newStore(t)
	before := time.Now()
	r := newRun(t, s, "r")
	assert.Equal(t, StatusNotStarted, r.Status)
	assert.False(t, r.CreatedAt.Before(before.Truncate(time.Microsecond)))
	assert.Nil(t, r.Definition)
	assert.Nil(t, r.Error)
	assert.Nil(t, r.ExitCode)
}

func TestCreateRunErrors(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	assert.ErrorIs(t, s.CreateRun(ctx, Run{ID: "r", Experiment: "exp"}), ErrExists)
	assert.Error(t, s.CreateRun(ctx, Run{Experiment: "exp"}))
	assert.Error(t, s.CreateRun(ctx, Run{ID: "x"}))
	assert.ErrorContains(t, s.CreateRun(ctx, Run{ID: "x", Experiment: "e", Definition: json.RawMessage("{")}), "not valid JSON")
	assert.ErrorContains(t, s.CreateRun(ctx, Run{ID: "x", Experiment: "e", CreatedAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}), "out of range")
	_, err := s.GetRun(ctx, "x")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestUpdateRun(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	end := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	require.NoError(t, s.UpdateRun(ctx, "r", func(r *Run) error {
		r.Status = "Completed"
		r.EndedAt = end
		c := 0
		r.ExitCode = &c
		r.ExecState = json.RawMessage(`{"done":true}`)
		return nil
	}))
	r, err := s.GetRun(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, "Completed", r.Status)
	assert.Equal(t, end, r.EndedAt)
	require.NotNil(t, r.ExitCode)
	assert.Equal(t, 0, *r.ExitCode)
	assert.JSONEq(t, `{"done":true}`, string(r.ExecState))
	hist, err := s.StatusHistory(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, []string{"NotStarted", "Completed"}, statuses(hist))

	// fn's error aborts the update and is returned as is.
	boom := fmt.Errorf("boom")
	assert.Equal(t, boom, s.UpdateRun(ctx, "r", func(r *Run) error { r.Status = "Failed"; return boom }))
	r, err = s.GetRun(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, "Completed", r.Status)

	assert.ErrorContains(t, s.UpdateRun(ctx, "r", func(r *Run) error { r.ID = "other"; return nil }), "cannot change")
	assert.ErrorContains(t, s.UpdateRun(ctx, "r", func(r *Run) error { r.Experiment = "other"; return nil }), "cannot change")
	assert.ErrorIs(t, s.UpdateRun(ctx, "missing", func(*Run) error { return nil }), ErrNotFound)
}

func TestUpdateRunConcurrentIncrements(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	const n = 40
	errs := make(chan error, n)
	for range n {
		go func() {
			errs <- s.UpdateRun(ctx, "r", func(r *Run) error {
				var c int
				if r.ExecState != nil {
					if err := json.Unmarshal(r.ExecState, &c); err != nil {
						return err
					}
				}
				r.ExecState = json.RawMessage(fmt.Sprint(c + 1))
				return nil
			})
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	r, err := s.GetRun(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(n), string(r.ExecState))
}

func statuses(hist []StatusChange) []string {
	var out []string
	for _, h := range hist {
		out = append(out, h.Status)
	}
	return out
}

func TestSetStatusAndHistory(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.SetStatus(ctx, "r", "Preparing", t0))
	require.NoError(t, s.SetStatus(ctx, "r", "Running", t0.Add(time.Second)))
	require.NoError(t, s.SetStatus(ctx, "r", "Running", t0.Add(2*time.Second)), "same status is a no-op")
	require.NoError(t, s.SetStatus(ctx, "r", "Completed", time.Time{}))

	hist, err := s.StatusHistory(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, []string{"NotStarted", "Preparing", "Running", "Completed"}, statuses(hist))
	assert.Equal(t, t0.Add(time.Second), hist[2].At)
	assert.WithinDuration(t, time.Now(), hist[3].At, time.Minute)
	r, err := s.GetRun(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, "Completed", r.Status)

	// An ended run keeps its end: a late CancelRequested or Running (another process that read
	// the run before it ended) is refused, by SetStatus and by UpdateRun.
	err = s.SetStatus(ctx, "r", "CancelRequested", time.Time{})
	require.ErrorIs(t, err, ErrEnded)
	assert.Equal(t, "store: the run has ended: run r is Completed, it cannot become CancelRequested", err.Error())
	require.ErrorIs(t, s.UpdateRun(ctx, "r", func(r *Run) error { r.Status = "Running"; return nil }), ErrEnded)
	require.NoError(t, s.SetStatus(ctx, "r", "Completed", time.Time{}), "the status it has is a no-op")
	require.NoError(t, s.UpdateRun(ctx, "r", func(r *Run) error { r.Target = "other"; return nil }), "other fields may change")
	r, err = s.GetRun(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, "Completed", r.Status)
	hist, err = s.StatusHistory(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, []string{"NotStarted", "Preparing", "Running", "Completed"}, statuses(hist))
	for _, ended := range []string{"Completed", "Failed", "Canceled"} {
		assert.True(t, Ended(ended), ended)
	}
	for _, st := range []string{"NotStarted", "Preparing", "Starting", "Queued", "Running", "Finalizing", "CancelRequested"} {
		assert.False(t, Ended(st), st)
	}

	assert.ErrorIs(t, s.SetStatus(ctx, "missing", "Running", t0), ErrNotFound)
	assert.Error(t, s.SetStatus(ctx, "r", "", t0))
	_, err = s.StatusHistory(ctx, "missing")
	assert.ErrorIs(t, err, ErrNotFound)
}

func runIDs(t *testing.T, s *Store, f RunFilter) []string {
	t.Helper()
	ids := []string{}
	for r, err := range s.Runs(context.Background(), f) {
		require.NoError(t, err)
		ids = append(ids, r.ID)
	}
	return ids
}

func TestRunsFilter(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(id, exp, status, parent string, i int) {
		require.NoError(t, s.CreateRun(ctx, Run{ID: id, Experiment: exp, Status: status, ParentID: parent,
			CreatedAt: t0.Add(time.Duration(i) * time.Second)}))
	}
	add("a1", "a", "Completed", "", 1)
	add("a2", "a", "Failed", "", 2)
	add("a2c1", "a", "Completed", "a2", 3)
	add("b1", "b", "Running", "", 4)
	add("b2", "b", "Completed", "", 4) // same time as b1: ties broken by id, descending
	require.NoError(t, s.SetTags(ctx, "a1", map[string]string{"team": "x", "lr": "0.1"}))
	require.NoError(t, s.SetTags(ctx, "b2", map[string]string{"team": "y"}))
	require.NoError(t, s.AddProperties(ctx, "a2", map[string]string{"azureml.runsource": "experiment"}))

	assert.Equal(t, []string{"b2", "b1", "a2c1", "a2", "a1"}, runIDs(t, s, RunFilter{}))
	assert.Equal(t, []string{"a2c1", "a2", "a1"}, runIDs(t, s, RunFilter{Experiment: "a"}))
	assert.Equal(t, []string{"b2", "a2c1", "a1"}, runIDs(t, s, RunFilter{Statuses: []string{"Completed"}}))
	assert.Equal(t, []string{"b2", "b1", "a2", "a1"}, runIDs(t, s, RunFilter{Statuses: []string{"Running", "Completed", "Failed"}, TopLevel: true}))
	assert.Equal(t, []string{"a2c1"}, runIDs(t, s, RunFilter{ParentID: "a2"}))
	assert.Equal(t, []string{"b2", "a1"}, runIDs(t, s, RunFilter{Tags: map[string]string{"team": ""}}))
	assert.Equal(t, []string{"a1"}, runIDs(t, s, RunFilter{Tags: map[string]string{"team": "x", "lr": ""}}))
	assert.Equal(t, []string{}, runIDs(t, s, RunFilter{Tags: map[string]string{"team": "z"}}))
	assert.Equal(t, []string{"a2"}, runIDs(t, s, RunFilter{Properties: map[string]string{"azureml.runsource": "experiment"}}))
	assert.Equal(t, []string{"a1"}, runIDs(t, s, RunFilter{Experiment: "a", Statuses: []string{"Completed"}, TopLevel: true}))
}

func TestRunsPagesAndStopsEarly(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	n := runsPageSize*2 + 7
	for i := range n {
		// Pairs of runs share a creation time to exercise the (time, id) cursor.
		require.NoError(t, s.CreateRun(ctx, Run{ID: fmt.Sprintf("r%04d", i), Experiment: "e",
			CreatedAt: t0.Add(time.Duration(i/2) * time.Second)}))
	}
	ids := runIDs(t, s, RunFilter{Experiment: "e"})
	require.Len(t, ids, n)
	for i, id := range ids {
		assert.Equal(t, fmt.Sprintf("r%04d", n-1-i), id)
	}

	count := 0
	for _, err := range s.Runs(ctx, RunFilter{}) {
		require.NoError(t, err)
		count++
		if count == 3 {
			break
		}
		// The loop body may write: no connection or lock is held.
		require.NoError(t, s.SetStatus(ctx, "r0000", fmt.Sprint("S", count), time.Time{}))
	}
	assert.Equal(t, 3, count)
}

func TestExperiments(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	e1, err := s.EnsureExperiment(ctx, "zeta")
	require.NoError(t, err)
	e2, err := s.EnsureExperiment(ctx, "zeta")
	require.NoError(t, err)
	assert.Equal(t, e1, e2, "EnsureExperiment is idempotent")
	_, err = s.EnsureExperiment(ctx, "alpha")
	require.NoError(t, err)
	_, err = s.EnsureExperiment(ctx, "")
	assert.Error(t, err)

	var names []string
	for e, err := range s.Experiments(ctx) {
		require.NoError(t, err)
		assert.False(t, e.CreatedAt.IsZero())
		names = append(names, e.Name)
	}
	assert.Equal(t, []string{"alpha", "zeta"}, names)
	_, err = s.Experiment(ctx, "nope")
	assert.ErrorIs(t, err, ErrNotFound)
}
