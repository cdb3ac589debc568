package wsaccess_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/wsaccess"
)

// An Azure workspace's ARM id, and one of its computes'.
func ExampleAzureWorkspace_ComputeID() {
	a := &wsaccess.AzureWorkspace{SubscriptionID: "sub", ResourceGroup: "rg", Name: "ws"}
	fmt.Println(a.ComputeID("cpu-cluster"))
	// Output: /subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu-cluster
}
