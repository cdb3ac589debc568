package compute_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/workspace"
)

// Every workspace has the reserved "local" target.
func ExampleGet() {
	dir, _ := os.MkdirTemp("", "amlgo-example-")
	defer os.RemoveAll(dir)
	ws, _ := workspace.Open(filepath.Join(dir, "ws"), nil)
	defer ws.Close()

	ctx := context.Background()
	local, err := compute.Get(ctx, ws, "local")
	if err != nil {
		panic(err)
	}
	state, _ := local.Status(ctx)
	fmt.Println(local.Name(), local.Type(), state, local.Capabilities().GPU)
	_, err = compute.Get(ctx, ws, "cpu-cluster")
	fmt.Println(err)
	// Output:
	// local local Succeeded true
	// compute: compute target not found: ComputeTargetNotFound: Compute Target with name cpu-cluster not found in provided workspace
}
