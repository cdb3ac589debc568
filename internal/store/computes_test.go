package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComputes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	created := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	vm := Compute{Name: "mydsvm", Type: "VirtualMachine", Config: json.RawMessage(`{"address":"vm","port":22}`), CreatedAt: created}
	require.NoError(t, s.CreateCompute(ctx, vm))
	assert.ErrorIs(t, s.CreateCompute(ctx, vm), ErrExists)
	require.NoError(t, s.PutCompute(ctx, Compute{Name: "myhdi", Type: "HDInsight"}))

	got, err := s.Compute(ctx, "mydsvm")
	require.NoError(t, err)
	assert.Equal(t, vm, got)

	// Put replaces type and config but keeps the creation time.
	require.NoError(t, s.PutCompute(ctx, Compute{Name: "mydsvm", Type: "VirtualMachine", Config: json.RawMessage(`{"address":"vm2"}`)}))
	got, err = s.Compute(ctx, "mydsvm")
	require.NoError(t, err)
	assert.JSONEq(t, `{"address":"vm2"}`, string(got.Config))
	assert.Equal(t, created, got.CreatedAt)

	var names []string
	for c, err := range s.Computes(ctx) {
		require.NoError(t, err)
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"mydsvm", "myhdi"}, names)

	hdi, err := s.Compute(ctx, "myhdi")
	require.NoError(t, err)
	assert.Nil(t, hdi.Config)

	require.NoError(t, s.DeleteCompute(ctx, "myhdi"))
	assert.ErrorIs(t, s.DeleteCompute(ctx, "myhdi"), ErrNotFound)
	_, err = s.Compute(ctx, "myhdi")
	assert.ErrorIs(t, err, ErrNotFound)

	assert.Error(t, s.PutCompute(ctx, Compute{Name: "x"}))
	assert.ErrorContains(t, s.PutCompute(ctx, Compute{Name: "x", Type: "t", Config: json.RawMessage(`nope`)}), "not valid JSON")
}
