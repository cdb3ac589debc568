package workspace_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/amlgo/amlgo/workspace"
)

func ExampleOpen() {
	tmp, err := os.MkdirTemp("", "amlgo-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)

	ws, err := workspace.Open(filepath.Join(tmp, "my-workspace"), nil)
	if err != nil {
		panic(err)
	}
	defer ws.Close()
	fmt.Println(ws.Name(), ws.Local())
	fmt.Println(filepath.Base(ws.RunsDir()))
	// Output:
	// my-workspace true
	// runs
}

func ExampleOpenOptions() {
	tmp, err := os.MkdirTemp("", "amlgo-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)

	ws, err := workspace.Open(filepath.Join(tmp, ".amlgo"), &workspace.OpenOptions{Name: "demo"})
	if err != nil {
		panic(err)
	}
	defer ws.Close()
	fmt.Println(ws.Name())
	// Output: demo
}
