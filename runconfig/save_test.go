package runconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSaveErrors(t *testing.T) {
	proj := t.TempDir()
	err := New().Save(proj, "", nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNoName))
	assert.Equal(t, "runconfig: Cannot save a runconfig without a name specified", err.Error())

	err = New().Save(proj, "x.runconfig", nil)
	assert.True(t, errors.Is(err, ErrConfigDirMissing), err)

	err = New().Save(filepath.Join(proj, "nodir", "x.runconfig"), "", nil)
	assert.True(t, errors.Is(err, ErrInvalidPath))
	assert.Equal(t, "runconfig: "+filepath.Join(proj, "nodir", "x.runconfig")+" argument is invalid", err.Error())

	require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
	err = New().Save(proj, "../escape", nil)
	assert.True(t, errors.Is(err, ErrInvalidPath))
}

func TestSavePrefersAmlConfigAndWritesNameVerbatim(t *testing.T) {
	proj := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(proj, "aml_config"), 0o755))
	rc := New()
	rc.Script = "train.py"
	require.NoError(t, rc.Save(proj, "noext", nil))
	data := readFile(t, filepath.Join(proj, "aml_config", "noext"))
	assert.Contains(t, string(data), "    condaDependenciesFile: aml_config/conda_dependencies.yml\n")
	assert.FileExists(t, filepath.Join(proj, "aml_config", "conda_dependencies.yml"))
	assert.NoFileExists(t, filepath.Join(proj, ".azureml", "noext"))

	back, err := Load(proj, "noext")
	require.NoError(t, err)
	assert.Equal(t, "train.py", back.Script)
	assert.Equal(t, "aml_config/conda_dependencies.yml", back.Environment.Python.CondaDependenciesFile)
}

func TestSaveSeparateEnvironmentFileFormRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rc := New()
	rc.Script = "s.py"
	rc.Environment.Name = "env-x"
	rc.Environment.Docker.BaseImageRegistry.Password = "hunter2"
	path := filepath.Join(dir, "f.runconfig")
	require.NoError(t, rc.Save(path, "ignored", &SaveOptions{SeparateEnvironmentYAML: true}))
	main := string(readFile(t, path))
	assert.Contains(t, main, "\nenvironment: environment.yml\n")
	env := string(readFile(t, filepath.Join(dir, "environment.yml")))
	assert.True(t, strings.HasPrefix(env, "name: env-x\n"))
	assert.Contains(t, env, "  condaDependenciesFile: conda_dependencies.yml\n")
	assert.Contains(t, env, "    password: hunter2\n") // azureml writes the secret in clear

	back, err := Load(path, "")
	require.NoError(t, err)
	assert.Equal(t, "env-x", back.Environment.Name)
	assert.Equal(t, Secret("hunter2"), back.Environment.Docker.BaseImageRegistry.Password)
	assert.Equal(t, "conda_dependencies.yml", back.Environment.Python.CondaDependenciesFile)
}

func TestSaveWithoutCondaKeepsFileReference(t *testing.T) {
	proj := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
	rc := New()
	rc.Environment.Python.CondaDependencies = nil
	rc.Environment.Python.UserManagedDependencies = true
	require.NoError(t, rc.Save(proj, "u.runconfig", nil))
	assert.NoFileExists(t, filepath.Join(proj, ".azureml", "conda_dependencies.yml"))
	assert.Contains(t, string(readFile(t, filepath.Join(proj, ".azureml", "u.runconfig"))), "    condaDependenciesFile:\n")
}
