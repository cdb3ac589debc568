package arm_test

import (
	"context"
	"fmt"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/arm/armfake"
)

func ExampleParseWorkspaceID() {
	id, err := arm.ParseWorkspaceID("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id.SubscriptionID, id.ResourceGroup, id.Name)
	fmt.Println(id.ComputeID("cpu"))
	// Output:
	// sub rg ws
	// /subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu
}

func ExampleClient_GetWorkspace() {
	srv := armfake.NewServer()
	defer srv.Close()
	armID := srv.NewWorkspace("sub", "rg", "ws", "eastus2")
	c, err := arm.NewClient(srv.Credential(), srv.ClientOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	id, _ := arm.ParseWorkspaceID(armID)
	w, err := c.GetWorkspace(context.Background(), id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Name, w.Location, w.Properties.ProvisioningState)
	// Output: ws eastus2 Succeeded
}
