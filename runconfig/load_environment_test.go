package runconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
)

// TestLoadCorpusEnvironmentFile loads the corpus's Environment definition (an azureml
// environment YAML, not a conda file) with the conda file it references.
func TestLoadCorpusEnvironmentFile(t *testing.T) {
	corpus := filepath.Join(testenv.SharedDir(t), "corpus", "conda")
	proj := t.TempDir()
	cfg := filepath.Join(proj, ".azureml")
	require.NoError(t, os.MkdirAll(cfg, 0o755))
	for src, dst := range map[string]string{
		"konabuta+azureml-mlops__.azureml__environment.yml":        "environment.yml",
		"konabuta+azureml-mlops__.azureml__conda_dependencies.yml": "conda_dependencies.yml",
	} {
		b, err := os.ReadFile(filepath.Join(corpus, src))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(cfg, dst), b, 0o644))
	}
	var warnings []string
	env, err := runconfig.LoadEnvironment(filepath.Join(cfg, "environment.yml"), &runconfig.LoadOptions{OnWarning: func(m string) { warnings = append(warnings, m) }})
	require.NoError(t, err)
	assert.Equal(t, "diabetes-env", env.Name)
	assert.Equal(t, "8", env.Version)
	assert.Equal(t, "deploy/score.py", env.EnvironmentVariables["AZUREML_ENTRY_SCRIPT"])
	assert.True(t, env.Docker.Enabled)
	assert.Equal(t, ".azureml/conda_dependencies.yml", env.Python.CondaDependenciesFile)
	require.NotNil(t, env.Python.CondaDependencies)
	assert.NotEmpty(t, env.Python.CondaDependencies.PipPackages())

	require.NoError(t, os.Remove(filepath.Join(cfg, "conda_dependencies.yml")))
	_, err = runconfig.LoadEnvironment(filepath.Join(cfg, "environment.yml"), nil)
	assert.ErrorIs(t, err, runconfig.ErrReferencedFileMissing)
}
