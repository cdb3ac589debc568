package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTryLockExcludesUntilUnlocked(t *testing.T) {
	s := newStore(t)
	unlock, ok, err := s.TryLock("sweep-HD_1")
	require.NoError(t, err)
	require.True(t, ok)
	_, ok2, err := s.TryLock("sweep-HD_1")
	require.NoError(t, err)
	assert.False(t, ok2, "a second holder while the first holds it")
	other, ok3, err := s.TryLock("sweep-HD_2")
	require.NoError(t, err)
	assert.True(t, ok3, "another name is another lock")
	other()
	unlock()
	unlock() // harmless
	again, ok4, err := s.TryLock("sweep-HD_1")
	require.NoError(t, err)
	assert.True(t, ok4, "free once unlocked")
	again()
}

func TestTryLockRejectsPathNames(t *testing.T) {
	s := newStore(t)
	for _, name := range []string{"", "../x", "a/b", ".hidden"} {
		_, _, err := s.TryLock(name)
		assert.ErrorContains(t, err, "invalid lock name", name)
	}
}

func TestRunTypeAndInteractiveRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.CreateRun(ctx, Run{ID: "HD_1", Experiment: "e", Status: "Running", RunType: "hyperdrive", Interactive: true}))
	got, err := s.GetRun(ctx, "HD_1")
	require.NoError(t, err)
	assert.Equal(t, "hyperdrive", got.RunType)
	assert.True(t, got.Interactive)
	require.NoError(t, s.UpdateRun(ctx, "HD_1", func(r *Run) error { r.RunType = "x"; r.Interactive = false; return nil }))
	got, err = s.GetRun(ctx, "HD_1")
	require.NoError(t, err)
	assert.Equal(t, "x", got.RunType)
	assert.False(t, got.Interactive)
}
