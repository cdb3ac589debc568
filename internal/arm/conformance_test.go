package arm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/testenv"
)

// example is an x-ms-examples file.
type example struct {
	Parameters map[string]json.RawMessage `json:"parameters"`
	Responses  map[string]struct {
		Body    json.RawMessage   `json:"body"`
		Headers map[string]string `json:"headers"`
	} `json:"responses"`
}

// exampleFiles returns the Compute and Workspace examples (Workspace/*.json only: the
// subfolders are code, environment and model assets, not workspaces).
func exampleFiles(t *testing.T) (string, []string) {
	dir := filepath.Join(testenv.SharedDir(t), "arm-examples", "examples")
	var files []string
	require.NoError(t, filepath.WalkDir(filepath.Join(dir, "Compute"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	}))
	ws, err := filepath.Glob(filepath.Join(dir, "Workspace", "*.json"))
	require.NoError(t, err)
	files = append(files, ws...)
	sort.Strings(files)
	require.NotEmpty(t, files)
	return dir, files
}

// roundTrip decodes body into v, re-encodes it and requires the result to equal body.
func roundTrip(t *testing.T, name string, body []byte, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(body, v), name)
	again, err := json.Marshal(v)
	require.NoError(t, err)
	assert.Empty(t, armfake.SemanticDiff(body, again), name)
}

// TestConformanceExampleResponsesDecode decodes every response body of the spec's Compute and
// Workspace examples into our types and checks that re-encoding loses nothing; the
// type-specific compute properties are decoded into their typed structs too.
func TestConformanceExampleResponsesDecode(t *testing.T) {
	dir, files := exampleFiles(t)
	decoded, bodiless := 0, 0
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var ex example
		require.NoError(t, json.Unmarshal(raw, &ex), rel)
		for code, resp := range ex.Responses {
			name := rel + " " + code
			if len(resp.Body) == 0 {
				bodiless++
				continue
			}
			decoded++
			switch {
			case rel == "Workspace/get.json":
				var w arm.Workspace
				roundTrip(t, name, resp.Body, &w)
				assert.NotEmpty(t, w.Location)
				assert.NotEmpty(t, w.Properties.DiscoveryURL)
			case rel == "Workspace/listByResourceGroup.json":
				var l arm.WorkspaceList
				roundTrip(t, name, resp.Body, &l)
				assert.NotEmpty(t, l.Value)
			case rel == "Compute/list.json":
				var l arm.ComputeList
				roundTrip(t, name, resp.Body, &l)
				assert.NotEmpty(t, l.NextLink)
				for _, c := range l.Value {
					checkTyped(t, name, c.Properties)
				}
			case rel == "Compute/listNodes.json":
				var l arm.NodeList
				roundTrip(t, name, resp.Body, &l)
				assert.Len(t, l.Nodes, 2)
			case rel == "Compute/listKeys.json":
				var s arm.ComputeSecrets
				roundTrip(t, name, resp.Body, &s)
				assert.NotContains(t, s.String(), "kube config")
			default:
				var c arm.ComputeResource
				roundTrip(t, name, resp.Body, &c)
				require.NotNil(t, c.Properties, name)
				assert.NotEmpty(t, c.Properties.ComputeType, name)
				checkTyped(t, name, c.Properties)
			}
		}
	}
	t.Logf("decoded %d example response bodies (%d responses have no body)", decoded, bodiless)
	assert.GreaterOrEqual(t, decoded, 25)
}

// checkTyped decodes the type-specific properties into their typed struct and checks the
// round trip.
func checkTyped(t *testing.T, name string, c *arm.Compute) {
	t.Helper()
	if len(c.Properties) == 0 || string(c.Properties) == "null" {
		return
	}
	var v any
	switch c.ComputeType {
	case arm.ComputeTypeAmlCompute:
		v = &arm.AmlComputeProperties{}
	case arm.ComputeTypeVirtualMachine:
		v = &arm.VirtualMachineProperties{}
	case arm.ComputeTypeHDInsight:
		v = &arm.HDInsightProperties{}
	default:
		v = &map[string]any{}
	}
	roundTrip(t, name+" properties.properties", c.Properties, v)
}

// TestConformanceExampleRequestsDecode decodes the request bodies of the examples we send
// (AmlCompute create and patch) into our request types without loss.
func TestConformanceExampleRequestsDecode(t *testing.T) {
	dir, files := exampleFiles(t)
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var ex example
		require.NoError(t, json.Unmarshal(raw, &ex), rel)
		body := ex.Parameters["parameters"]
		if len(body) == 0 {
			continue
		}
		if rel == "Compute/patch.json" {
			var p arm.ClusterUpdateParameters
			roundTrip(t, rel, body, &p)
			continue
		}
		var c arm.ComputeResource
		roundTrip(t, rel, body, &c)
		checkTyped(t, rel, c.Properties)
	}
}
