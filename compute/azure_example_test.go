package compute_test

import (
	"context"
	"fmt"
	"os"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/workspace"
)

// The provisioning of an AmlCompute cluster, as in azureml-core's notebooks. The example runs
// against amlgo's fake Resource Manager; with a real workspace, use workspace.FromConfig with a
// credential such as azidentity.NewDefaultAzureCredential's (see workspace's FromConfig example).
func ExampleCreateBatchCluster() {
	ctx := context.Background()
	srv := armfake.NewServer()
	defer srv.Close()
	srv.PollsBeforeDone = 0
	armID := srv.NewWorkspace("00000000-0000-0000-0000-000000000000", "rg", "ws", "eastus")
	id, _ := workspace.ParseID(armID)
	dir, _ := os.MkdirTemp("", "amlgo-example")
	defer os.RemoveAll(dir)

	ws, err := workspace.Get(ctx, srv.Credential(), id, &workspace.GetOptions{ClientOptions: srv.ClientOptions(), Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()

	cluster, err := compute.CreateBatchCluster(ctx, ws, "cpu-cluster", &compute.BatchClusterConfig{VMSize: "STANDARD_D2_V2", MaxNodes: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := cluster.WaitForCompletion(ctx, &compute.WaitOptions{ShowOutput: os.Stdout}); err != nil {
		fmt.Println(err)
		return
	}
	st, _ := cluster.ClusterStatus(ctx)
	fmt.Println(st.ProvisioningState, st.AllocationState, st.ScaleSettings.MaxNodes)
	// Output:
	// SucceededProvisioning operation finished, operation "Succeeded"
	// Succeeded
	// AmlCompute wait for completion finished
	//
	// Minimum number of nodes requested have been provisioned
	// Succeeded Steady 4
}
