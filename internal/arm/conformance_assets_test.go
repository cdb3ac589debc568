package arm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// model makes a value to decode an example body into, and returns what to re-encode.
type model func() (ptr any, encode func() any)

func modelOf[T any]() (any, func() any) {
	v := new(T)
	return v, func() any { return *v }
}

// assetModels are the generated models of the examples of the resources amlgo's service-driven
// targets will use (issues 11 and 12): item and list models by example folder.
var assetModels = map[string][2]model{
	"examples/Workspace/CodeContainer":      {modelOf[armmachinelearning.CodeContainer], modelOf[armmachinelearning.CodeContainerResourceArmPaginatedResult]},
	"examples/Workspace/CodeVersion":        {modelOf[armmachinelearning.CodeVersion], modelOf[armmachinelearning.CodeVersionResourceArmPaginatedResult]},
	"examples/Workspace/EnvironmentVersion": {modelOf[armmachinelearning.EnvironmentVersion], modelOf[armmachinelearning.EnvironmentVersionResourceArmPaginatedResult]},
	"examples/Workspace/ModelVersion":       {modelOf[armmachinelearning.ModelVersion], modelOf[armmachinelearning.ModelVersionResourceArmPaginatedResult]},
	"examples/Datastore":                    {modelOf[armmachinelearning.Datastore], modelOf[armmachinelearning.DatastoreResourceArmPaginatedResult]},
	"examples/Job":                          {modelOf[armmachinelearning.JobBase], modelOf[armmachinelearning.JobBaseResourceArmPaginatedResult]},
	"containerinstance-2025-09-01/examples": {modelOf[armcontainerinstance.ContainerGroup], modelOf[armcontainerinstance.ContainerGroupListResult]},
	"containerinstance-2021-10-01/examples": {modelOf[armcontainerinstance.ContainerGroup], modelOf[armcontainerinstance.ContainerGroupListResult]},
}

// special are the examples whose bodies are not the folder's item or list model.
var special = map[string][2]model{ // response, request
	"examples/Workspace/CodeVersion/createOrGetStartPendingUpload.json": {modelOf[armmachinelearning.PendingUploadResponseDto], modelOf[armmachinelearning.PendingUploadRequestDto]},
	"examples/Workspace/CodeVersion/publish.json":                       {nil, modelOf[armmachinelearning.DestinationAsset]},
	"examples/Datastore/listSecrets.json": {func() (any, func() any) {
		v := new(armmachinelearning.DatastoresClientListSecretsResponse)
		return v, func() any { return v.DatastoreSecretsClassification }
	}, nil},
	"containerinstance-2025-09-01/examples/ContainerListLogs.json": {modelOf[armcontainerinstance.Logs], nil},
}

// assetGaps are the members of those examples (ML 2025-12-01, ACI 2025-09-01 and 2021-10-01)
// that the generated models (ML 2024-04-01, ACI 2023-05-01) lack: decoding a service response
// with the clients drops them, and the clients cannot send them.
var assetGaps = map[string][]string{
	// CommandJob.parentJobName (2025-12-01) is not in the 2024-04-01 JobBase models.
	"examples/Job/CommandJob/createOrUpdate.json 200":     {"$.properties.parentJobName"},
	"examples/Job/CommandJob/createOrUpdate.json 201":     {"$.properties.parentJobName"},
	"examples/Job/CommandJob/createOrUpdate.json request": {"$.properties.parentJobName"},
	// ContainerGroupProperties.isCreatedFromStandbyPool (2025-09-01) is not in 2023-05-01.
	"containerinstance-2025-09-01/examples/ContainerGroupsDelete.json 200":              {"$.properties.isCreatedFromStandbyPool"},
	"containerinstance-2025-09-01/examples/ContainerGroupsGet_Failed.json 200":          {"$.properties.isCreatedFromStandbyPool"},
	"containerinstance-2025-09-01/examples/ContainerGroupsGet_Succeeded.json 200":       {"$.properties.isCreatedFromStandbyPool"},
	"containerinstance-2025-09-01/examples/ContainerGroupsListByResourceGroup.json 200": {"$.value[*].properties.isCreatedFromStandbyPool"},
}

// TestConformanceAssetExamples decodes the code, environment, model, datastore, job and
// container-group examples into the generated models and checks that re-encoding loses nothing
// but the members listed in assetGaps.
func TestConformanceAssetExamples(t *testing.T) {
	root := filepath.Join(testenv.SharedDir(t), "arm-examples")
	var files []string
	for dir := range assetModels {
		require.NoError(t, filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
				files = append(files, p)
			}
			return err
		}))
	}
	sort.Strings(files)
	got := map[string][]string{}
	decoded := 0
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		var models [2]model
		for dir, m := range assetModels {
			if strings.HasPrefix(rel, dir+"/") && len(dir) > 0 {
				models = m
			}
		}
		resp, req := models[0], models[0]
		if strings.HasSuffix(rel, "/list.json") || strings.HasSuffix(rel, "ListByResourceGroup.json") {
			resp = models[1]
		}
		if s, ok := special[rel]; ok {
			resp, req = s[0], s[1]
		}
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var ex struct {
			Parameters map[string]json.RawMessage `json:"parameters"`
			Responses  map[string]struct {
				Body json.RawMessage `json:"body"`
			} `json:"responses"`
		}
		require.NoError(t, json.Unmarshal(raw, &ex), rel)
		for code, r := range ex.Responses {
			if len(r.Body) == 0 {
				continue
			}
			require.NotNil(t, resp, "%s %s: no model", rel, code)
			v, enc := resp()
			decoded++
			if gaps := lost(t, rel+" "+code, r.Body, v, enc); len(gaps) > 0 {
				got[rel+" "+code] = gaps
			}
		}
		for _, k := range []string{"body", "containerGroup"} {
			if b := ex.Parameters[k]; len(b) > 0 {
				require.NotNil(t, req, "%s request: no model", rel)
				v, enc := req()
				decoded++
				if gaps := lost(t, rel+" request", b, v, enc); len(gaps) > 0 {
					got[rel+" request"] = gaps
				}
			}
		}
	}
	t.Logf("decoded %d example bodies", decoded)
	assert.GreaterOrEqual(t, decoded, 40)
	for name, paths := range got {
		assert.ElementsMatch(t, assetGaps[name], paths, "%s: members the generated models lack", name)
	}
	for name := range assetGaps {
		assert.Contains(t, got, name, "listed gap no longer lost")
	}
	b, _ := json.MarshalIndent(got, "", "  ")
	t.Logf("lost members:\n%s", b)
}
