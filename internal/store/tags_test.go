package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTags(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	tags, err := s.Tags(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{}, tags)

	in := map[string]string{"a": "1", "b": "2", "c": ""}
	require.NoError(t, s.SetTags(ctx, "r", in))
	require.NoError(t, s.SetTags(ctx, "r", map[string]string{"a": "changed"}))
	require.NoError(t, s.RemoveTags(ctx, "r", []string{"b", "not-there"}))
	assert.Equal(t, map[string]string{"a": "1", "b": "2", "c": ""}, in, "input not mutated")
	tags, err = s.Tags(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "changed", "c": ""}, tags)

	assert.Error(t, s.SetTags(ctx, "r", map[string]string{"": "x"}))
	assert.ErrorIs(t, s.SetTags(ctx, "ghost", in), ErrNotFound)
	assert.ErrorIs(t, s.RemoveTags(ctx, "ghost", []string{"a"}), ErrNotFound)
	_, err = s.Tags(ctx, "ghost")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestPropertiesAreImmutable(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	require.NoError(t, s.AddProperties(ctx, "r", map[string]string{"a": "1"}))
	require.NoError(t, s.AddProperties(ctx, "r", map[string]string{"a": "1", "b": "2"}), "same value again is fine")

	err := s.AddProperties(ctx, "r", map[string]string{"a": "other", "c": "3"})
	require.ErrorIs(t, err, ErrImmutableProperty)
	assert.ErrorContains(t, err, `"a"`)

	props, err := s.Properties(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, props, "a rejected batch adds nothing")

	assert.Error(t, s.AddProperties(ctx, "r", map[string]string{"": "x"}))
	assert.ErrorIs(t, s.AddProperties(ctx, "ghost", map[string]string{"a": "1"}), ErrNotFound)
	_, err = s.Properties(ctx, "ghost")
	assert.ErrorIs(t, err, ErrNotFound)
}
