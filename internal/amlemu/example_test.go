package amlemu_test

import (
	"context"
	"fmt"

	"github.com/amlgo/amlgo/internal/amlemu"
)

// StartStack needs the real components (Azurite, MLflow, a Docker engine); without them it says
// what to install instead of starting half a service.
func ExampleStartStack() {
	_, err := amlemu.StartStack(context.Background(), &amlemu.StackOptions{Azurite: "/nonexistent/azurite-blob", MLflow: "/nonexistent/mlflow"})
	fmt.Println(err != nil)
	// Output: true
}

// A stack for the containerinstance target reads the Docker test environment (the workspace's
// registry) before it starts anything.
func ExampleStartStack_containerInstances() {
	_, err := amlemu.StartStack(context.Background(), &amlemu.StackOptions{Azurite: "/x/azurite-blob", MLflow: "/x/mlflow",
		DockerEnv: "/nonexistent/env.json", ContainerInstances: true})
	fmt.Println(err)
	// Output: aciemu: the Docker test environment: open /nonexistent/env.json: no such file or directory
}
