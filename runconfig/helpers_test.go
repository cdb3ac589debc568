package runconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/stretchr/testify/require"
)

// shared returns ../shared (skipping when absent) joined with elem.
func shared(t *testing.T, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{testenv.SharedDir(t)}, elem...)...)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	writeFile(t, dst, readFile(t, src))
}

// requireSameJSON compares two JSON documents as values.
func requireSameJSON(t *testing.T, want, got []byte, msgAndArgs ...any) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(got, &g))
	require.Equal(t, w, g, msgAndArgs...)
}

// goldenSaveRC builds the rc of golden/README.md's save_* cases.
func goldenSaveRC(t *testing.T) *RunConfiguration {
	t.Helper()
	rc := New()
	rc.Script = "train.py"
	rc.Arguments = []any{"--alpha", "0.5"} // strings, as in golden/README.md
	rc.Target = "cpu-cluster"
	cd, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	require.NoError(t, err)
	rc.Environment.Python.CondaDependencies = cd
	rc.Environment.Docker.Enabled = true
	rc.Environment.EnvironmentVariables = map[string]string{"MY_VAR": "x"}
	rc.DataReferences = map[string]DataReferenceConfiguration{
		"mydata": {DataStoreName: "workspaceblobstore", PathOnDataStore: "data", Mode: "mount"},
	}
	return rc
}

func intp(i int) *int { return &i }
