package conda

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/amlgo/amlgo/internal/testenv"
)

// liveCases is how many generated cases TestOracleLive sends to azureml-core;
// AMLGO_ORACLE_CASES overrides it (for a longer hunt).
func liveCases(t *testing.T, def int) int {
	if s := os.Getenv("AMLGO_ORACLE_CASES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("AMLGO_ORACLE_CASES=%q: %v", s, err)
		}
		return n
	}
	return def
}

// TestOracleLive is the differential test against the real azureml-core: generated
// create/load/edit/serialize sequences (and edits of the corpus files, when ../shared is
// present) run through CondaDependencies in one Python process, and each is replayed here
// with the same checks as the recorded cases: byte-exact serialization after every step,
// the same errors, the same properties.
func TestOracleLive(t *testing.T) {
	python := testenv.AzureMLPython(t)
	corpusDir := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "conda")
	if _, err := os.Stat(corpusDir); err != nil {
		corpusDir = ""
	}
	cases := genCases(20260601, liveCases(t, 1500), corpusDir)
	var res struct {
		SDKScope []string     `json:"sdk_scope"`
		Cases    []oracleCase `json:"cases"`
	}
	testenv.RunOracle(t, python, filepath.Join("testdata", "oracle", "azureml_conda.py"),
		map[string]any{"cases": cases}, &res)
	if len(res.Cases) != len(cases) {
		t.Fatalf("oracle answered %d cases of %d", len(res.Cases), len(cases))
	}

	var scope []string
	for name := range sdkScope {
		scope = append(scope, name)
	}
	slices.Sort(scope)
	want := slices.Clone(res.SDKScope)
	slices.Sort(want)
	want = slices.Compact(slices.DeleteFunc(want, func(s string) bool { return s == "" }))
	assert.Equal(t, want, scope, "the pip packages create() pins (azureml/_project/azureml_sdk_scope.txt)")

	var loadErrs, stepErrs, steps int
	for _, c := range res.Cases {
		if c.LoadError != nil {
			loadErrs++
		}
		for _, st := range c.Steps {
			steps++
			if st.Error != nil {
				stepErrs++
			}
		}
		t.Run(c.Name, func(t *testing.T) { runOracleCase(t, c) })
	}
	if p := os.Getenv("AMLGO_ORACLE_DUMP"); p != "" {
		b, _ := json.Marshal(res.Cases)
		_ = os.WriteFile(p, b, 0o644)
	}
	t.Logf("azureml-core %s: %d cases (%d rejected on load or create), %d editing steps (%d raised)",
		testenv.AzureMLVersion, len(res.Cases), loadErrs, steps, stepErrs)
}
