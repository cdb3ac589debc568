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
