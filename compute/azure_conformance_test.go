package compute

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/testenv"
)

// specExample reads an x-ms-examples file of ../shared/arm-examples.
func specExample(t *testing.T, rel string) (params map[string]json.RawMessage) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "arm-examples", "examples", rel))
	require.NoError(t, err)
	var ex struct {
		Parameters map[string]json.RawMessage `json:"parameters"`
	}
	require.NoError(t, json.Unmarshal(b, &ex))
	return ex.Parameters
}

func str(t *testing.T, raw json.RawMessage) string {
	var s string
	require.NoError(t, json.Unmarshal(raw, &s))
	return s
}

// exampleFixture opens the example's workspace (same subscription, group, name) in eastus.
func exampleFixture(t *testing.T, p map[string]json.RawMessage) *azureFixture {
	return newAzureFixture(t, str(t, p["subscriptionId"]), str(t, p["resourceGroupName"]), str(t, p["workspaceName"]), "eastus")
}

// TestConformanceRequestBodies sends, through the public API, the inputs each spec example
// describes and compares our request with the example's (JSON compared semantically: null
// members count as absent, durations by length). The requests are built and sent by the
// generated client (api-version 2024-04-01); the examples are 2025-12-01's. These are the examples of operations amlgo
// sends; the others (ComputeInstance, AKS, Kubernetes, DataFactory creation, start/stop/
// restart) are operations amlgo does not perform.
func TestConformanceRequestBodies(t *testing.T) {
	ctx := context.Background()
	f := true
	fls := false
	cases := []struct {
		file string
		cfg  BatchClusterConfig
	}{
		{"Compute/createOrUpdate/BasicAmlCompute.json", BatchClusterConfig{VMSize: "STANDARD_NC6", VMPriority: "Dedicated", OSType: "Windows",
			VirtualMachineImageID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Compute/galleries/myImageGallery/images/myImageDefinition/versions/0.0.1",
			IsolatedNetwork:       &fls, MinNodes: 0, MaxNodes: 1, IdleSecondsBeforeScaledown: 300, RemoteLoginPortPublicAccess: "NotSpecified", EnableNodePublicIP: &f}},
		{"Compute/createOrUpdate/AmlCompute.json", BatchClusterConfig{Description: "some compute", MinNodes: 4, MaxNodes: 4, IdleSecondsBeforeScaledown: 300}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			p := specExample(t, c.file)
			fx := exampleFixture(t, p)
			name := str(t, p["computeName"])
			_, err := CreateBatchCluster(ctx, fx.ws, name, &c.cfg)
			require.NoError(t, err)
			reqs := fx.srv.Requests()
			last := reqs[len(reqs)-1]
			// The examples are 2025-12-01's; armmachinelearning/v4 sends 2024-04-01, whose
			// request shape for these bodies is the same.
			assert.Equal(t, "2025-12-01", str(t, p["api-version"]))
			assert.Equal(t, armfake.APIVersion, last.Query.Get("api-version"))
			assert.Empty(t, armfake.SemanticDiff(p["parameters"], last.Body))
		})
	}

	t.Run("patch.json", func(t *testing.T) {
		p := specExample(t, "Compute/patch.json")
		fx := exampleFixture(t, p)
		name := str(t, p["computeName"])
		cl, err := CreateBatchCluster(ctx, fx.ws, name, &BatchClusterConfig{MaxNodes: 1})
		require.NoError(t, err)
		require.NoError(t, cl.WaitForCompletion(ctx, nil))
		four, idle := 4, 300
		require.NoError(t, cl.Update(ctx, &UpdateOptions{MinNodes: &four, MaxNodes: &four, IdleSecondsBeforeScaledown: &idle}))
		assert.Empty(t, armfake.SemanticDiff(p["parameters"], fx.lastBody(t, http.MethodPatch, "/computes/"+name)))
	})

	t.Run("delete.json", func(t *testing.T) {
		p := specExample(t, "Compute/delete.json")
		fx := exampleFixture(t, p)
		name := str(t, p["computeName"])
		cl, err := CreateBatchCluster(ctx, fx.ws, name, &BatchClusterConfig{MaxNodes: 1})
		require.NoError(t, err)
		require.NoError(t, cl.Delete(ctx))
		var del *armfake.Request
		for _, r := range fx.srv.Requests() {
			if r.Method == http.MethodDelete {
				del = &r
			}
		}
		require.NotNil(t, del)
		assert.Equal(t, str(t, p["underlyingResourceAction"]), del.Query.Get("underlyingResourceAction"))
		assert.Empty(t, del.Body)
	})

	t.Run("listNodes.json", func(t *testing.T) {
		p := specExample(t, "Compute/listNodes.json")
		fx := exampleFixture(t, p)
		name := str(t, p["computeName"])
		cl, err := CreateBatchCluster(ctx, fx.ws, name, &BatchClusterConfig{MinNodes: 1, MaxNodes: 1})
		require.NoError(t, err)
		require.NoError(t, cl.WaitForCompletion(ctx, nil))
		for _, err := range cl.ListNodes(ctx) {
			require.NoError(t, err)
		}
		reqs := fx.srv.Requests()
		last := reqs[len(reqs)-1]
		assert.Equal(t, http.MethodPost, last.Method)
		assert.Empty(t, last.Body)
	})
}
