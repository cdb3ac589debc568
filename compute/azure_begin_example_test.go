package compute_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/workspace"
)

// fakeAzure opens an Azure workspace of amlgo's fake Resource Manager; with a real workspace,
// use workspace.FromConfig with a credential (see workspace's examples).
func fakeAzure() (open func() *workspace.Workspace, done func()) {
	srv := armfake.NewServer()
	id, _ := workspace.ParseID(srv.NewWorkspace("00000000-0000-0000-0000-000000000000", "rg", "ws", "eastus"))
	var cleanup []func()
	open = func() *workspace.Workspace {
		dir, _ := os.MkdirTemp("", "amlgo-example")
		ws, err := workspace.Get(context.Background(), srv.Credential(), id, &workspace.GetOptions{ClientOptions: srv.ClientOptions(), Dir: dir})
		if err != nil {
			panic(err)
		}
		cleanup = append(cleanup, func() { ws.Close(); os.RemoveAll(dir) })
		return ws
	}
	return open, func() {
		for _, f := range cleanup {
			f()
		}
		srv.Close()
	}
}

var quickly = &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond}

// Start creating a cluster in one process and finish waiting for it in another, from the
// poller's resume token.
func ExampleBeginCreateBatchCluster() {
	ctx := context.Background()
	open, done := fakeAzure()
	defer done()

	p, err := compute.BeginCreateBatchCluster(ctx, open(), "cpu-cluster", &compute.BatchClusterConfig{VMSize: "STANDARD_D2_V2", MaxNodes: 4}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	token, _ := p.ResumeToken() // e.g. saved in a file

	// Later, maybe in another process:
	p, err = compute.BeginCreateBatchCluster(ctx, open(), "", nil, &compute.BeginOptions{ResumeToken: token})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.PollUntilDone(ctx, quickly)
	if err != nil {
		fmt.Println(err) // an *azcore.ResponseError when the provisioning failed
		return
	}
	fmt.Println(res.Name, res.Status.ProvisioningState, res.Status.ScaleSettings.MaxNodes)
	// Output: cpu-cluster Succeeded 4
}

// Scale a cluster without blocking, then delete it.
func ExampleBatchCluster_BeginUpdate() {
	ctx := context.Background()
	open, done := fakeAzure()
	defer done()
	ws := open()
	cluster, _ := compute.CreateBatchCluster(ctx, ws, "cpu-cluster", &compute.BatchClusterConfig{MaxNodes: 4})
	_ = cluster.WaitForCompletion(ctx, nil)

	two := 2
	p, err := cluster.BeginUpdate(ctx, &compute.UpdateOptions{MinNodes: &two}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.PollUntilDone(ctx, quickly)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status.ScaleSettings.MinNodes, "to", res.Status.ScaleSettings.MaxNodes, "nodes")

	del, err := cluster.BeginDelete(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := del.PollUntilDone(ctx, quickly); err != nil {
		fmt.Println(err)
		return
	}
	_, err = compute.Get(ctx, ws, "cpu-cluster")
	fmt.Println(err != nil)
	// Output:
	// 2 to 4 nodes
	// true
}

func ExampleBeginCreateDSVM() {
	ctx := context.Background()
	open, done := fakeAzure()
	defer done()
	ws := open()
	p, err := compute.BeginCreateDSVM(ctx, ws, "mydsvm", &compute.DSVMProvisioningConfig{VMSize: "Standard_D2_v2"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.PollUntilDone(ctx, quickly)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Name, res.Type, res.ProvisioningState, res.VMSize, res.Attached)
	t, _ := compute.Get(ctx, ws, res.Name) // the *compute.DSVM
	fmt.Printf("%T\n", t)
	// Output:
	// mydsvm VirtualMachine Succeeded Standard_D2_v2 false
	// *compute.DSVM
}

// Attach a VM to an Azure workspace without blocking, then detach it.
func ExampleBeginAttachRemote() {
	ctx := context.Background()
	open, done := fakeAzure()
	defer done()
	ws := open()
	p, err := compute.BeginAttachRemote(ctx, ws, "attach-dsvm", &compute.RemoteAttachConfig{
		Address: "vm.example.org", SSHPort: 22, Username: "azureuser", Password: "Pa55word!x"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.PollUntilDone(ctx, quickly)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Name, res.Address, res.SSHPort, res.Attached)

	t, _ := compute.Get(ctx, ws, "attach-dsvm")
	det, err := t.(*compute.DSVM).BeginDetach(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = det.PollUntilDone(ctx, quickly)
	fmt.Println(err)
	// Output:
	// attach-dsvm vm.example.org 22 true
	// <nil>
}

func ExampleBeginAttachHDInsight() {
	ctx := context.Background()
	open, done := fakeAzure()
	defer done()
	ws := open()
	p, err := compute.BeginAttachHDInsight(ctx, ws, "myhdi", &compute.HDInsightAttachConfig{
		ResourceGroup: "hdirg", ClusterName: "spark1", Username: "sshuser", Password: "Hdi$ecret1"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.PollUntilDone(ctx, quickly)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Name, res.Type, res.Address)
	// Output: myhdi HDInsight spark1-ssh.azurehdinsight.net
}
