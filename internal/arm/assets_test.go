package arm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/testenv"
)

// exampleBody returns parameters.body of an example of ../shared/arm-examples/examples.
func exampleBody(t *testing.T, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "arm-examples", "examples", rel))
	require.NoError(t, err)
	var ex struct {
		Parameters struct {
			Body json.RawMessage `json:"body"`
		} `json:"parameters"`
	}
	require.NoError(t, json.Unmarshal(raw, &ex))
	return ex.Parameters.Body
}

// The fake stores code and environment versions as the generated clients send them: 201 for a
// new version, 200 for a replaced one, the resource back with its id, name, type, systemData and
// read-only state; 404 for a missing one; 400 for a name the spec's PUT pattern refuses.
func TestFakeCodeAndEnvironmentVersions(t *testing.T) {
	ctx := context.Background()
	srv := armfake.New(t)
	id := srv.NewWorkspace("sub-1", rg, ws, "eastus")
	f, err := armmachinelearning.NewClientFactory("sub-1", srv.Credential(), srv.ClientOptions())
	require.NoError(t, err)
	codes, envs := f.NewCodeVersionsClient(), f.NewEnvironmentVersionsClient()

	var code armmachinelearning.CodeVersion
	require.NoError(t, json.Unmarshal(exampleBody(t, "Workspace/CodeVersion/createOrUpdate.json"), &code))
	var resp *http.Response
	got, err := codes.CreateOrUpdate(policy.WithCaptureResponse(ctx, &resp), rg, ws, "snapshot", "1", code, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, id+"/codes/snapshot/versions/1", *got.ID)
	assert.Equal(t, "1", *got.Name)
	assert.Equal(t, "Microsoft.MachineLearningServices/workspaces/codes/versions", *got.Type)
	assert.Equal(t, armmachinelearning.AssetProvisioningStateSucceeded, *got.Properties.ProvisioningState)
	assert.Equal(t, *code.Properties.CodeURI, *got.Properties.CodeURI)
	assert.NotNil(t, got.SystemData.CreatedAt)
	_, err = codes.CreateOrUpdate(policy.WithCaptureResponse(ctx, &resp), rg, ws, "snapshot", "1", code, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	read, err := codes.Get(ctx, rg, ws, "snapshot", "1", nil)
	require.NoError(t, err)
	assert.Equal(t, *code.Properties.CodeURI, *read.Properties.CodeURI)

	var env armmachinelearning.EnvironmentVersion
	require.NoError(t, json.Unmarshal(exampleBody(t, "Workspace/EnvironmentVersion/createOrUpdate.json"), &env))
	e, err := envs.CreateOrUpdate(ctx, rg, ws, "env-0123abcd", "1", env, nil)
	require.NoError(t, err)
	assert.Equal(t, armmachinelearning.EnvironmentTypeUserCreated, *e.Properties.EnvironmentType)
	assert.Equal(t, *env.Properties.Image, *e.Properties.Image)
	sent, _ := json.Marshal(env.Properties.InferenceConfig)
	back, _ := json.Marshal(e.Properties.InferenceConfig)
	assert.Empty(t, armfake.SemanticDiff(sent, back))

	var re *azcore.ResponseError
	_, err = envs.Get(ctx, rg, ws, "env-0123abcd", "2", nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.StatusCode)
	_, err = codes.CreateOrUpdate(ctx, rg, ws, "-bad", "1", code, nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusBadRequest, re.StatusCode)
	_, err = codes.CreateOrUpdate(ctx, rg, "missing-ws", "snapshot", "1", code, nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.StatusCode)
}
