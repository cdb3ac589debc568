package workspace_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/amlgo/amlgo/workspace"
)

// The Azure workspace of azureml's config.json (searched upward from the current directory),
// authenticated with azidentity's DefaultAzureCredential (environment variables, workload or
// managed identity, az login, …), as the Azure SDK for Go documents it. amlgo takes any
// azcore.TokenCredential; only programs that use Azure import azidentity. (Not run: it needs
// an Azure subscription.)
func ExampleFromConfig() {
	ctx := context.Background()
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ws, err := workspace.FromConfig(ctx, cred, ".", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	info, _ := ws.Azure()
	fmt.Println(info.ID.Name, info.Location)
}

// In a sovereign cloud, the credential and the Resource Manager clients take the same cloud
// configuration. (Not run: it needs an Azure subscription.)
func ExampleFromConfig_sovereignCloud() {
	ctx := context.Background()
	client := policy.ClientOptions{Cloud: cloud.AzureChina}
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: client})
	if err != nil {
		fmt.Println(err)
		return
	}
	ws, err := workspace.FromConfig(ctx, cred, ".", &workspace.GetOptions{ClientOptions: &azarm.ClientOptions{ClientOptions: client}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
}

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
