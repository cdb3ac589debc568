package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsIdempotentByOffset(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	at := time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC)
	step := int64(4)
	batch := []Metric{
		{RunID: "r", Offset: 120, Name: "mse", Type: "scalar", Value: json.RawMessage(`3424.3`), Step: &step, Time: at},
		{RunID: "r", Offset: 0, Name: "alpha", Type: "scalar", Description: "reg", Value: json.RawMessage(`0.5`)},
		{RunID: "r", Offset: 60, Name: "losses", Type: "list", Value: json.RawMessage(`[1,2,3]`)},
	}
	require.NoError(t, s.AddMetrics(ctx, batch))
	// Re-ingesting the same records (even with other content) changes nothing.
	again := append([]Metric(nil), batch...)
	again[0].Value = json.RawMessage(`1`)
	require.NoError(t, s.AddMetrics(ctx, again))
	require.NoError(t, s.AddMetrics(ctx, nil))

	ms, err := s.Metrics(ctx, "r")
	require.NoError(t, err)
	require.Len(t, ms, 3)
	assert.Equal(t, []int64{0, 60, 120}, []int64{ms[0].Offset, ms[1].Offset, ms[2].Offset})
	assert.Equal(t, Metric{RunID: "r", Offset: 0, Name: "alpha", Type: "scalar", Description: "reg", Value: json.RawMessage(`0.5`)}, ms[0])
	assert.Equal(t, batch[0], ms[2])
	assert.Nil(t, ms[1].Step)
	assert.True(t, ms[1].Time.IsZero())
}

func TestAddMetricsErrors(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	ok := Metric{RunID: "r", Offset: 1, Name: "a", Type: "scalar", Value: json.RawMessage(`1`)}
	missing := Metric{RunID: "ghost", Offset: 2, Name: "a", Type: "scalar", Value: json.RawMessage(`1`)}
	assert.ErrorIs(t, s.AddMetrics(ctx, []Metric{ok, missing}), ErrNotFound)
	ms, err := s.Metrics(ctx, "r")
	require.NoError(t, err)
	assert.Empty(t, ms, "a failed batch stores nothing")

	bad := ok
	bad.Value = json.RawMessage(`{`)
	assert.ErrorContains(t, s.AddMetrics(ctx, []Metric{bad}), "not valid JSON")
	bad = ok
	bad.Name = ""
	assert.Error(t, s.AddMetrics(ctx, []Metric{bad}))
	_, err = s.Metrics(ctx, "ghost")
	assert.ErrorIs(t, err, ErrNotFound)
}
