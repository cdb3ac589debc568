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

// Docker-enabled environments are not prepared on the host: their image is made on the engine.
func ExamplePrepare_docker() {
	_, err := envbuild.Prepare(context.Background(), envbuild.Spec{DockerEnabled: true}, nil)
	fmt.Println(err)
	// Output: envbuild: a docker-enabled environment is not prepared on the host; its image is made on the Docker engine (internal/dockerexec)
}
