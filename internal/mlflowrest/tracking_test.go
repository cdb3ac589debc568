package mlflowrest

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cases live in testdata so that the shim's test (internal/driver) checks the Python
// conversion against the same table.
type trackingCases struct {
	Cases []struct {
		In   string `json:"in"`
		Want string `json:"want"`
	} `json:"cases"`
	Errors []string `json:"errors"`
}

func TestTrackingBase(t *testing.T) {
	data, err := os.ReadFile("testdata/tracking_uris.json")
	require.NoError(t, err)
	var tc trackingCases
	require.NoError(t, json.Unmarshal(data, &tc))
	require.NotEmpty(t, tc.Cases)
	for _, c := range tc.Cases {
		got, err := TrackingBase(c.In)
		require.NoError(t, err, c.In)
		assert.Equal(t, c.Want, got, c.In)
	}
	for _, in := range tc.Errors {
		_, err := TrackingBase(in)
		require.Error(t, err, in)
		assert.NotContains(t, err.Error(), "secret")
	}
}
