package dockerexec_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/dockerexec"
)

// A system-managed environment's image is named by its content, so an unchanged specification
// finds the image an earlier run made.
func ExampleImageSpec_Name() {
	spec := dockerexec.ImageSpec{
		BaseImage:    "amlgo/python3:1",
		Registry:     dockerexec.Registry{Address: "registry.example.org:5000", Username: "me", Password: "secret"},
		CondaEnvName: "azureml_0123",
		CondaYAML:    []byte("dependencies:\n- python=3.11\n"),
	}
	fmt.Println(spec.BaseRef())
	fmt.Println(spec.Name() == spec.Name(), len(spec.Name()))
	fmt.Println(spec.Python())
	fmt.Println(spec.Registry)
	// Output:
	// registry.example.org:5000/amlgo/python3:1
	// true 48
	// /azureml-envs/azureml_0123/bin/python
	// registry.example.org:5000 as me
}

// docker.arguments are checked flag by flag; a flag amlgo cannot pass is named.
func ExampleValidateArguments() {
	fmt.Println(dockerexec.ValidateArguments([]string{"-e", "A=1", "--shm-size=1g", "--ulimit", "nofile=1024:2048"}))
	fmt.Println(dockerexec.ValidateArguments([]string{"--rm"}))
	// Output:
	// <nil>
	// unsupported docker run argument: docker.arguments flag --rm is not needed: amlgo removes the run's container itself once its outputs are collected; remove it
}
