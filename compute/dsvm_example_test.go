package compute_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/workspace"
)

// Attaching a VM checks the configuration with azureml-core's messages before connecting.
func ExampleAttachRemote() {
	dir, _ := os.MkdirTemp("", "amlgo-example-")
	defer os.RemoveAll(dir)
	ws, _ := workspace.Open(filepath.Join(dir, "ws"), nil)
	defer ws.Close()

	_, err := compute.AttachRemote(context.Background(), ws, "mydsvm", &compute.RemoteAttachConfig{
		Address:  "vm.example.org",
		Username: "azureuser",
		Password: "secret",
		UseAgent: true,
	})
	fmt.Println(err)
	// Output:
	// compute: invalid attach configuration: Invalid attach information, both password and key information provided. Please provide either a password or key information
}
