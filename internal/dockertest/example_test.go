package dockertest_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/dockertest"
)

// An Env prints its password masked, whatever the verb.
func ExampleEnv_String() {
	e := dockertest.Env{Host: "unix:///tmp/amlgo-docker/docker.sock", Registry: "127.0.0.1:5000",
		RegistryUser: "amlgo", RegistryPassword: "secret"}
	fmt.Println(e)
	// Output:
	// dockertest.Env{Host:"unix:///tmp/amlgo-docker/docker.sock", Socket:"", PythonImage:"", SklearnImage:"", Registry:"127.0.0.1:5000", RegistryUser:"amlgo", RegistryPassword:"***", RegistryImage:""}
}
