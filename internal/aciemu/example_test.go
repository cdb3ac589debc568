package aciemu_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/aciemu"
	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// New needs a Docker engine to run the groups on; without one it says so.
func ExampleNew() {
	srv := armfake.NewServer()
	defer srv.Close()
	_, err := aciemu.New(srv, aciemu.Options{})
	fmt.Println(err)
	// Output: aciemu: New needs the armfake server and Options.Docker
}

func ExampleGroupID() {
	fmt.Println(aciemu.GroupID("sub", "rg", "run-1"))
	// Output: /subscriptions/sub/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/run-1
}

// A Registry prints without its password.
func ExampleRegistry_String() {
	fmt.Println(aciemu.Registry{Address: "127.0.0.1:5000", Username: "amlgo", Password: "secret"})
	// Output: 127.0.0.1:5000 as amlgo
}
