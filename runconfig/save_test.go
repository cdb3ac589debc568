package runconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amlgo/amlgo/conda"
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

// As 1.50: a condaDependenciesFile the runconfig already names (here: loaded from a file) is
// kept by Save and the conda specification written there, relative to the project (found by
// the differential test on the corpus).
func TestSaveKeepsTheCondaFileReference(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, ".azureml", "train.runconfig"), []byte("script: train.py\nenvironment:\n  python:\n    condaDependenciesFile: deps/env.yml\n"))
	writeFile(t, filepath.Join(src, "deps", "env.yml"), []byte("# mine\nname: x\ndependencies:\n- python=3.8.13\n"))
	rc, err := Load(src, "train.runconfig")
	require.NoError(t, err)

	proj := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
	err = rc.Save(proj, "out.runconfig", nil)
	assert.ErrorContains(t, err, "runconfig: ", "the reference's directory must exist, as in azureml")
	assert.NoFileExists(t, filepath.Join(proj, ".azureml", "out.runconfig"), "nothing written when the conda file cannot be")

	require.NoError(t, os.Mkdir(filepath.Join(proj, "deps"), 0o755))
	require.NoError(t, rc.Save(proj, "out.runconfig", nil))
	assert.Contains(t, string(readFile(t, filepath.Join(proj, ".azureml", "out.runconfig"))), "    condaDependenciesFile: deps/env.yml\n")
	assert.Equal(t, "# mine\nname: x\ndependencies:\n- python=3.8.13\n", string(readFile(t, filepath.Join(proj, "deps", "env.yml"))))
	assert.NoFileExists(t, filepath.Join(proj, ".azureml", "conda_dependencies.yml"))

	// File form: relative to the file's directory.
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "deps"), 0o755))
	require.NoError(t, rc.Save(filepath.Join(dir, "f.runconfig"), "", nil))
	assert.FileExists(t, filepath.Join(dir, "deps", "env.yml"))
}

// As 1.50 (save_to_file validates the conda specification): a specification without python
// is not saved, and nothing is written (found by the differential test).
func TestSaveRefusesCondaWithoutPython(t *testing.T) {
	proj := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
	cd, err := conda.Parse([]byte("name: x\ndependencies:\n- numpy\n"))
	require.NoError(t, err)
	rc := New()
	rc.Environment.Python.CondaDependencies = cd
	err = rc.Save(proj, "x.runconfig", nil)
	assert.ErrorIs(t, err, conda.ErrNoPython)
	assert.Equal(t, "runconfig: conda dependencies: Python package is missing.", err.Error())
	assert.NoFileExists(t, filepath.Join(proj, ".azureml", "x.runconfig"))
}
