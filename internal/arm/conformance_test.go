package arm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

var index = regexp.MustCompile(`\[\d+\]`)

// lost decodes body into v (a generated model), re-encodes it and returns the JSON paths
// (array indices as [*]) where the re-encoded document differs from body.
func lost(t *testing.T, name string, body []byte, v any, encode func() any) []string {
	t.Helper()
	require.NoError(t, json.Unmarshal(body, v), name)
	again, err := json.Marshal(encode())
	require.NoError(t, err, name)
	seen := map[string]bool{}
	var out []string
	for _, d := range armfake.Differences(body, again) {
		p, _, _ := strings.Cut(d, ": ")
		p = index.ReplaceAllString(p, "[*]")
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// modelGaps are the members of the 2025-12-01 Compute and Workspace examples that the
// 2024-04-01 models of armmachinelearning/v4 do not have, so that decoding drops them. There are
// none: every member of these examples has its field in the 2024-04-01 models. (The
// differences found are the api-version itself, and the administrator account's passphrase,
// which neither version models; see SSHAttach.)
var modelGaps = map[string][]string{}

// lost must report a member the model lacks, or the conformance tests could not fail.
func TestLostReportsUnknownMembers(t *testing.T) {
	var c armmachinelearning.ComputeResource
	got := lost(t, "x", []byte(`{"location":"eastus","properties":{"computeType":"AmlCompute","properties":{"vmSize":"a","newMember":[1]}},"extra":{"a":1}}`),
		&c, func() any { return c })
	assert.Equal(t, []string{"$.extra", "$.properties.properties.newMember"}, got)
}

// TestConformanceExampleResponsesDecode decodes every response body of the spec's Compute and
// Workspace examples into the generated models and checks that re-encoding loses nothing but
// the members listed in modelGaps; compute properties must decode into their typed model.
func TestConformanceExampleResponsesDecode(t *testing.T) {
	dir, files := exampleFiles(t)
	decoded, bodiless := 0, 0
	got := map[string][]string{}
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
			var gaps []string
			switch {
			case rel == "Workspace/get.json":
				var w armmachinelearning.Workspace
				gaps = lost(t, name, resp.Body, &w, func() any { return w })
				assert.NotEmpty(t, *w.Location)
				assert.NotEmpty(t, *w.Properties.DiscoveryURL)
			case rel == "Workspace/listByResourceGroup.json":
				var l armmachinelearning.WorkspaceListResult
				gaps = lost(t, name, resp.Body, &l, func() any { return l })
				assert.NotEmpty(t, l.Value)
			case rel == "Compute/list.json":
				var l armmachinelearning.PaginatedComputeResourcesList
				gaps = lost(t, name, resp.Body, &l, func() any { return l })
				assert.NotEmpty(t, *l.NextLink)
				for _, c := range l.Value {
					checkTyped(t, name, c.Properties)
				}
			case rel == "Compute/listNodes.json":
				var l armmachinelearning.AmlComputeNodesInformation
				gaps = lost(t, name, resp.Body, &l, func() any { return l })
				assert.Len(t, l.Nodes, 2)
			case rel == "Compute/listKeys.json":
				var s armmachinelearning.ComputeClientListKeysResponse
				gaps = lost(t, name, resp.Body, &s, func() any { return s.ComputeSecretsClassification })
				assert.IsType(t, &armmachinelearning.AksComputeSecrets{}, s.ComputeSecretsClassification)
			default:
				var c armmachinelearning.ComputeResource
				gaps = lost(t, name, resp.Body, &c, func() any { return c })
				require.NotNil(t, c.Properties, name)
				checkTyped(t, name, c.Properties)
			}
			if len(gaps) > 0 {
				got[name] = gaps
			}
		}
	}
	t.Logf("decoded %d example response bodies (%d responses have no body)", decoded, bodiless)
	assert.GreaterOrEqual(t, decoded, 25)
	checkGaps(t, got)
}

// TestConformanceExampleRequestsDecode decodes the request bodies of the examples into the
// generated request models; re-encoding loses nothing but the listed gaps.
func TestConformanceExampleRequestsDecode(t *testing.T) {
	dir, files := exampleFiles(t)
	got := map[string][]string{}
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
		name := rel + " request"
		var gaps []string
		if rel == "Compute/patch.json" {
			var p armmachinelearning.ClusterUpdateParameters
			gaps = lost(t, name, body, &p, func() any { return p })
		} else {
			var c armmachinelearning.ComputeResource
			gaps = lost(t, name, body, &c, func() any { return c })
			checkTyped(t, name, c.Properties)
		}
		if len(gaps) > 0 {
			got[name] = gaps
		}
	}
	checkGaps(t, got)
}

// checkGaps requires got (example → lost paths) to be modelGaps' entries for those examples.
func checkGaps(t *testing.T, got map[string][]string) {
	t.Helper()
	for name, paths := range got {
		assert.ElementsMatch(t, modelGaps[name], paths, "%s: members lost by the 2024-04-01 models", name)
	}
	b, _ := json.MarshalIndent(got, "", "  ")
	t.Logf("lost members:\n%s", b)
}

// checkTyped requires known compute types to decode into their own model, not the base.
func checkTyped(t *testing.T, name string, c armmachinelearning.ComputeClassification) {
	t.Helper()
	require.NotNil(t, c, name)
	switch c.GetCompute().ComputeType {
	case nil:
		t.Errorf("%s: no computeType", name)
	default:
		_, base := c.(*armmachinelearning.Compute)
		assert.False(t, base, "%s: %s decoded as the base model", name, *c.GetCompute().ComputeType)
	}
}
