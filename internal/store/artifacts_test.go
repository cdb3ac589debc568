package store

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArtifacts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newRun(t, s, "r")
	a, na, err := s.PutBlob(ctx, strings.NewReader("model"))
	require.NoError(t, err)
	b, nb, err := s.PutBlob(ctx, strings.NewReader("log"))
	require.NoError(t, err)

	require.NoError(t, s.AddArtifacts(ctx, "r", []Artifact{
		{Name: "outputs/model.pkl", SHA256: a, Size: na},
		{Name: "azureml-logs/70_driver_log.txt", SHA256: b, Size: nb},
	}))
	// Upsert by name.
	require.NoError(t, s.AddArtifacts(ctx, "r", []Artifact{{RunID: "ignored", Name: "outputs/model.pkl", SHA256: b, Size: nb}}))

	got, err := s.Artifacts(ctx, "r")
	require.NoError(t, err)
	assert.Equal(t, []Artifact{
		{RunID: "r", Name: "azureml-logs/70_driver_log.txt", SHA256: b, Size: nb},
		{RunID: "r", Name: "outputs/model.pkl", SHA256: b, Size: nb},
	}, got)

	assert.ErrorIs(t, s.AddArtifacts(ctx, "ghost", []Artifact{{Name: "x", SHA256: a}}), ErrNotFound)
	assert.ErrorIs(t, s.AddArtifacts(ctx, "r", []Artifact{{Name: "x", SHA256: sha("not stored")}}), ErrNotFound)
	assert.ErrorContains(t, s.AddArtifacts(ctx, "r", []Artifact{{Name: "x", SHA256: "abc"}}), "invalid hash")
	assert.Error(t, s.AddArtifacts(ctx, "r", []Artifact{{SHA256: a}}))
	_, err = s.Artifacts(ctx, "ghost")
	assert.ErrorIs(t, err, ErrNotFound)
	none := newRun(t, s, "r2")
	got, err = s.Artifacts(ctx, none.ID)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestSnapshots(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	manifest := []byte(`{"files":[{"path":"train.py"}]}`)
	require.NoError(t, s.PutSnapshot(ctx, "snap1", manifest))
	require.NoError(t, s.PutSnapshot(ctx, "snap1", manifest), "idempotent")
	assert.ErrorIs(t, s.PutSnapshot(ctx, "snap1", []byte(`{}`)), ErrExists)
	assert.Error(t, s.PutSnapshot(ctx, "", manifest))

	got, err := s.Snapshot(ctx, "snap1")
	require.NoError(t, err)
	assert.Equal(t, manifest, got)
	_, err = s.Snapshot(ctx, "nope")
	assert.ErrorIs(t, err, ErrNotFound)
}
