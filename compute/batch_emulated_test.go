package compute_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/mlflowtest"
	"github.com/amlgo/amlgo/workspace"
)

// emulated is an Azure workspace on the service emulator with an AmlCompute cluster: real
// Azurite, a real MLflow tracking server and the Docker test engine behind it.
type emulated struct {
	emu     *amlemu.Emulator
	ws      *workspace.Workspace
	cluster *compute.BatchCluster
	docker  *dockertest.Env
}

func newEmulated(t *testing.T) *emulated {
	t.Helper()
	denv := dockertest.Require(t)
	az := azuritetest.Start(t)
	ml := mlflowtest.Start(t)
	ctx := context.Background()
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: denv.Host})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	srv := armfake.New(t)
	emu, err := amlemu.New(srv, amlemu.Options{BlobEndpoint: az.BlobEndpoint, AccountName: az.AccountName, AccountKey: az.AccountKey,
		MLflowURL: ml.URL, Docker: eng})
	require.NoError(t, err)
	t.Cleanup(emu.Close)
	armID := emu.AddWorkspace("sub-1", "rg-1", "ws1", "eastus")
	id, err := workspace.ParseID(armID)
	require.NoError(t, err)
	ws, err := workspace.Get(ctx, srv.Credential(), id, &workspace.GetOptions{ClientOptions: srv.ClientOptions(), Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	p, err := compute.BeginCreateBatchCluster(ctx, ws, "cpu-cluster", &compute.BatchClusterConfig{VMSize: "STANDARD_D2_V2", MaxNodes: 4}, nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, nil)
	require.NoError(t, err)
	cl, err := compute.Get(ctx, ws, "cpu-cluster")
	require.NoError(t, err)
	_ = time.Second
	return &emulated{emu: emu, ws: ws, cluster: cl.(*compute.BatchCluster), docker: denv}
}
