package compute_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/workspace"
)

// TestLiveBatchClusterLifecycle runs against a real Azure ML workspace only with
// AMLGO_LIVE_AZURE=1: the workspace comes from the config.json found from
// AMLGO_LIVE_AZURE_CONFIG (default: the current directory, searched upward) and the
// credential is DefaultAzureCredential. It creates a 0..1 node cluster (AMLGO_LIVE_AZURE_VM_SIZE,
// default STANDARD_DS1_V2), waits for it, scales it, lists its nodes and deletes it.
func TestLiveBatchClusterLifecycle(t *testing.T) {
	if os.Getenv("AMLGO_LIVE_AZURE") != "1" {
		t.Skip("set AMLGO_LIVE_AZURE=1 to run against a real Azure ML workspace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	cfgPath := os.Getenv("AMLGO_LIVE_AZURE_CONFIG")
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	require.NoError(t, err)
	ws, err := workspace.FromConfig(ctx, cred, cfgPath, nil)
	require.NoError(t, err)
	defer ws.Close()
	vmSize := os.Getenv("AMLGO_LIVE_AZURE_VM_SIZE")
	if vmSize == "" {
		vmSize = "STANDARD_DS1_V2"
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := "amlgo-" + hex.EncodeToString(b[:])
	cluster, err := compute.CreateBatchCluster(ctx, ws, name, &compute.BatchClusterConfig{VMSize: vmSize, MaxNodes: 1})
	require.NoError(t, err)
	defer func() { assert.NoError(t, cluster.Delete(context.Background())) }()
	require.NoError(t, cluster.WaitForCompletion(ctx, &compute.WaitOptions{ShowOutput: testWriter{t}}))
	two := 2
	require.NoError(t, cluster.Update(ctx, &compute.UpdateOptions{MaxNodes: &two}))
	st, err := cluster.ClusterStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, st.ScaleSettings.MaxNodes)
	for _, err := range cluster.ListNodes(ctx) {
		require.NoError(t, err)
	}
	all, err := compute.List(ctx, ws)
	require.NoError(t, err)
	assert.Contains(t, all, name)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
