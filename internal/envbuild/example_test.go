package envbuild_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/amlgo/amlgo/internal/envbuild"
)

// A user-managed environment runs the named interpreter found on PATH.
func ExamplePrepare() {
	p, err := envbuild.Prepare(context.Background(), envbuild.Spec{UserManaged: true, InterpreterPath: "python3"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(filepath.Base(p.Python), filepath.IsAbs(p.Python), p.Reused)
	// Output: python3 true false
}

// Docker-based runs are refused on the local target.
func ExamplePrepare_docker() {
	_, err := envbuild.Prepare(context.Background(), envbuild.Spec{DockerEnabled: true}, nil)
	fmt.Println(err)
	// Output: envbuild: environment.docker.enabled (and docker.useDocker) is not supported on the local target yet; set it to false to run in a conda or user-managed environment
}
