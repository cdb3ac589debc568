package workspace_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/amlgo/amlgo/workspace"
)

// azureml-core's configuration files come in two forms; FindConfig searches for them as
// Workspace.from_config does, and ReadConfig reads either.
func ExampleReadConfig() {
	dir, _ := os.MkdirTemp("", "amlgo-example")
	defer os.RemoveAll(dir)
	_ = os.MkdirAll(filepath.Join(dir, ".azureml"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, ".azureml", "config.json"), []byte(`{"Id": null, "Scope": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"}`), 0o644)
	_ = os.MkdirAll(filepath.Join(dir, "src", "pkg"), 0o755)

	path, err := workspace.FindConfig(filepath.Join(dir, "src", "pkg"))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := workspace.ReadConfig(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	rel, _ := filepath.Rel(dir, path)
	fmt.Println(rel)
	fmt.Println(cfg.SubscriptionID, cfg.ResourceGroup, cfg.WorkspaceName)
	fmt.Println(cfg.ID())
	// Output:
	// .azureml/config.json
	// sub rg ws
	// /subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws
}
