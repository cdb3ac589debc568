package arm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/arm/armfake"
)

func ExampleNewClients() {
	srv := armfake.NewServer()
	defer srv.Close()
	srv.NewWorkspace("sub", "rg", "ws", "eastus2")
	c, err := arm.NewClients("sub", srv.Credential(), srv.ClientOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := c.Workspaces.Get(context.Background(), "rg", "ws", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*w.Name, *w.Location, *w.Properties.ProvisioningState)
	// Output: ws eastus2 Succeeded
}

// name is the result type of the operation below: the compute's name.
type name struct {
	Name string `json:"name"`
}

// Begin sends the first request with the generated client and polls into an own result type.
func ExampleBegin() {
	ctx := context.Background()
	srv := armfake.NewServer()
	defer srv.Close()
	srv.NewWorkspace("sub", "rg", "ws", "eastus2")
	c, _ := arm.NewClients("sub", srv.Credential(), srv.ClientOptions())
	body := armmachinelearning.ComputeResource{Properties: &armmachinelearning.AmlCompute{
		ComputeType: to.Ptr(armmachinelearning.ComputeTypeAmlCompute),
		Properties: &armmachinelearning.AmlComputeProperties{
			ScaleSettings: &armmachinelearning.ScaleSettings{MaxNodeCount: to.Ptr[int32](2)}}}}
	p, err := arm.Begin[name](ctx, c, func(ctx context.Context) error {
		_, err := c.Computes.BeginCreateOrUpdate(ctx, "rg", "ws", "cpu", body, nil)
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Name)
	// Output: cpu
}
