package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterModelVersions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	sum, n, err := s.PutBlob(ctx, strings.NewReader("pickle"))
	require.NoError(t, err)

	in := Model{Name: "sk", Version: 42, RunID: "r", Path: "outputs/model.pkl", Description: "d",
		Framework: "ScikitLearn", FrameworkVersion: "1.2", Tags: map[string]string{"area": "diabetes"},
		Properties: map[string]string{"mse": "3424"}, Files: []Artifact{{Name: "model.pkl", SHA256: sum, Size: n}}}
	m1, err := s.RegisterModel(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, 1, m1.Version)
	assert.Equal(t, 42, in.Version, "input not mutated")
	assert.Equal(t, "", in.Files[0].RunID, "input not mutated")
	assert.False(t, m1.CreatedAt.IsZero())

	m2, err := s.RegisterModel(ctx, Model{Name: "sk", CreatedAt: m1.CreatedAt.Add(time.Second)})
	require.NoError(t, err)
	assert.Equal(t, 2, m2.Version)
	other, err := s.RegisterModel(ctx, Model{Name: "other", CreatedAt: m1.CreatedAt.Add(2 * time.Second)})
	require.NoError(t, err)
	assert.Equal(t, 1, other.Version)

	got, err := s.Model(ctx, "sk", 1)
	require.NoError(t, err)
	assert.Equal(t, m1, got)
	assert.Equal(t, "r", got.Files[0].RunID)
	latest, err := s.Model(ctx, "sk", 0)
	require.NoError(t, err)
	assert.Equal(t, 2, latest.Version)
	assert.Equal(t, map[string]string{}, latest.Tags)
	assert.Empty(t, latest.Files)

	_, err = s.Model(ctx, "sk", 3)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Model(ctx, "nope", 0)
	assert.ErrorIs(t, err, ErrNotFound)

	var all []string
	for m, err := range s.Models(ctx, "") {
		require.NoError(t, err)
		all = append(all, m.Name+":"+string(rune('0'+m.Version)))
	}
	assert.Equal(t, []string{"other:1", "sk:2", "sk:1"}, all)
	var sk []int
	for m, err := range s.Models(ctx, "sk") {
		require.NoError(t, err)
		sk = append(sk, m.Version)
	}
	assert.Equal(t, []int{2, 1}, sk)
}

func TestRegisterModelErrors(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	_, err := s.RegisterModel(ctx, Model{})
	assert.Error(t, err)
	_, err = s.RegisterModel(ctx, Model{Name: "m", RunID: "ghost"})
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.RegisterModel(ctx, Model{Name: "m", Files: []Artifact{{Name: "f", SHA256: sha("absent")}}})
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.RegisterModel(ctx, Model{Name: "m", Files: []Artifact{{Name: "f"}}})
	assert.Error(t, err)
	_, err = s.Model(ctx, "m", 0)
	assert.ErrorIs(t, err, ErrNotFound, "failed registrations leave nothing")
}

func TestRegisterModelConcurrentVersions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	const n = 24
	versions := make(chan int, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			m, err := s.RegisterModel(ctx, Model{Name: "shared"})
			errs <- err
			versions <- m.Version
		}()
	}
	var got []int
	for range n {
		require.NoError(t, <-errs)
		got = append(got, <-versions)
	}
	slices.Sort(got)
	for i, v := range got {
		assert.Equal(t, i+1, v)
	}
}
