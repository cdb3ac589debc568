// Command create-batch-cluster provisions an AmlCompute ("Batch") cluster in an Azure Machine
// Learning workspace with amlgo, as azureml-core's notebooks do:
//
//	try:
//	    cpu_cluster = ComputeTarget(workspace=ws, name="cpu-cluster")
//	    print('Found existing cluster, use it.')
//	except ComputeTargetException:
//	    compute_config = AmlCompute.provisioning_configuration(vm_size='STANDARD_D2_V2', max_nodes=4)
//	    cpu_cluster = ComputeTarget.create(ws, "cpu-cluster", compute_config)
//	cpu_cluster.wait_for_completion(show_output=True)
//
// It reads the workspace from azureml's config.json (searched upward from -config, as
// Workspace.from_config does) and authenticates with azidentity's DefaultAzureCredential
// (environment variables, workload or managed identity, az login, …), which the program passes
// to amlgo as the Azure SDK for Go documents it:
//
//	go run ./examples/create-batch-cluster -name cpu-cluster -vm-size STANDARD_D2_V2 -max-nodes 4
//
// With -delete it deletes the cluster afterwards. It creates billable Azure resources.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/workspace"
)

func main() {
	config := flag.String("config", ".", "config.json, or a directory to search upward from")
	name := flag.String("name", "cpu-cluster", "cluster name")
	vmSize := flag.String("vm-size", "STANDARD_D2_V2", "VM size of the nodes")
	minNodes := flag.Int("min-nodes", 0, "minimum number of nodes")
	maxNodes := flag.Int("max-nodes", 4, "maximum number of nodes")
	priority := flag.String("priority", "dedicated", "dedicated or lowpriority")
	del := flag.Bool("delete", false, "delete the cluster at the end")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := &compute.BatchClusterConfig{VMSize: *vmSize, VMPriority: *priority, MinNodes: *minNodes, MaxNodes: *maxNodes}
	if err := run(ctx, *config, *name, cfg, *del); err != nil {
		fmt.Fprintln(os.Stderr, "create-batch-cluster:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, config, name string, cfg *compute.BatchClusterConfig, del bool) error {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return err
	}
	ws, err := workspace.FromConfig(ctx, cred, config, nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	info, _ := ws.Azure()
	fmt.Printf("Workspace %s (%s, %s)\n", info.ID.Name, info.ID.ResourceGroup, info.Location)

	var cluster *compute.BatchCluster
	switch t, err := compute.Get(ctx, ws, name); {
	case err == nil:
		c, ok := t.(*compute.BatchCluster)
		if !ok {
			return fmt.Errorf("%s is a %s target, not an AmlCompute cluster", name, t.Type())
		}
		fmt.Println("Found existing cluster, use it.")
		cluster = c
	case errors.Is(err, compute.ErrNotFound):
		if cluster, err = compute.CreateBatchCluster(ctx, ws, name, cfg); err != nil {
			return err
		}
	default:
		return err
	}
	if err := cluster.WaitForCompletion(ctx, &compute.WaitOptions{ShowOutput: os.Stdout}); err != nil {
		return err
	}
	st, err := cluster.ClusterStatus(ctx)
	if err != nil {
		return err
	}
	nodes := 0
	if st.CurrentNodeCount != nil {
		nodes = *st.CurrentNodeCount
	}
	fmt.Printf("%s: %s, allocation %s, %d node(s), scale %d..%d, idle %ds\n", name, st.ProvisioningState,
		st.AllocationState, nodes, st.ScaleSettings.MinNodes, st.ScaleSettings.MaxNodes, st.ScaleSettings.IdleSecondsBeforeScaledown)
	for n, err := range cluster.ListNodes(ctx) {
		if err != nil {
			return err
		}
		fmt.Printf("  node %s %s %s:%d\n", n.ID, n.State, n.PublicIPAddress, n.Port)
	}
	if del {
		fmt.Println("Deleting", name)
		return cluster.Delete(ctx)
	}
	return nil
}
