package runconfig

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewMatchesGoldenDefaultRepr(t *testing.T) {
	want := readFile(t, shared(t, "golden", "runconfig_default_repr.json"))
	got, err := New().JSON()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	m, err := New().MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, got, m)
}

func TestScriptRunConfigMPIMatchesGolden(t *testing.T) {
	want := readFile(t, shared(t, "golden", "scriptrunconfig_mpi_runconfig.json"))
	src := ScriptRunConfig{
		SourceDirectory:      ".",
		Script:               "train.py",
		Arguments:            []any{"--epochs", 3},
		ComputeTarget:        "gpu-cluster",
		Environment:          NewEnvironment("myenv"),
		DistributedJobConfig: MpiConfiguration{ProcessCountPerNode: 2, NodeCount: 2},
	}
	rc, err := src.RunConfiguration()
	require.NoError(t, err)
	got, err := rc.JSON()
	require.NoError(t, err)
	// Byte for byte: the int argument 3 stays a JSON number, as in azureml.
	assert.Equal(t, string(want), string(got))

	m, err := rc.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(m))
}

func TestSaveMatchesGolden(t *testing.T) {
	golden := shared(t, "golden")
	t.Run("project", func(t *testing.T) {
		proj := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
		rc := goldenSaveRC(t)
		before, err := rc.JSON()
		require.NoError(t, err)
		require.NoError(t, rc.Save(proj, "train.runconfig", nil))
		assert.Equal(t, string(readFile(t, filepath.Join(golden, "save_proj__.azureml__train.runconfig"))),
			string(readFile(t, filepath.Join(proj, ".azureml", "train.runconfig"))))
		assert.Equal(t, string(readFile(t, filepath.Join(golden, "save_proj__.azureml__conda_dependencies.yml"))),
			string(readFile(t, filepath.Join(proj, ".azureml", "conda_dependencies.yml"))))
		after, err := rc.JSON()
		require.NoError(t, err)
		assert.Equal(t, string(before), string(after), "Save must not modify rc")
		assert.Empty(t, rc.Environment.Python.CondaDependenciesFile)
	})
	t.Run("separate environment", func(t *testing.T) {
		proj := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
		require.NoError(t, goldenSaveRC(t).Save(proj, "sep.runconfig", &SaveOptions{SeparateEnvironmentYAML: true}))
		for _, f := range []string{"sep.runconfig", "environment.yml", "conda_dependencies.yml"} {
			assert.Equal(t, string(readFile(t, filepath.Join(golden, "save_proj_sep__.azureml__"+f))),
				string(readFile(t, filepath.Join(proj, ".azureml", f))), f)
		}
	})
	t.Run("file path", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.Mkdir(dir, 0o755))
		require.NoError(t, goldenSaveRC(t).Save(filepath.Join(dir, "explicit.runconfig"), "", nil))
		assert.Equal(t, string(readFile(t, filepath.Join(golden, "save_file__explicit.runconfig"))),
			string(readFile(t, filepath.Join(dir, "explicit.runconfig"))))
		assert.Equal(t, string(readFile(t, filepath.Join(golden, "save_file__conda_dependencies.yml"))),
			string(readFile(t, filepath.Join(dir, "conda_dependencies.yml"))))
	})
}

// TestContainerInstanceSectionKept: azureml-core 1.50 has no containerInstance field, but a
// section it loaded is written back by save() after the known keys (checked with the real
// 1.50: loading save_proj__.azureml__train.runconfig with this section appended and saving it
// again gives the same bytes). amlgo keeps it there too, and in the JSON form.
func TestContainerInstanceSectionKept(t *testing.T) {
	golden := shared(t, "golden")
	section := "containerInstance:\n  region: westeurope\n  cpuCores: 1\n  memoryGb: 4\n"
	want := string(readFile(t, filepath.Join(golden, "save_proj__.azureml__train.runconfig"))) + section

	proj := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(proj, ".azureml", "aci.runconfig"), []byte(want), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(proj, ".azureml", "conda_dependencies.yml"),
		readFile(t, filepath.Join(golden, "save_proj__.azureml__conda_dependencies.yml")), 0o644))
	rc, err := Load(proj, "aci.runconfig")
	require.NoError(t, err)
	assert.Equal(t, &ContainerInstanceConfiguration{Region: "westeurope", CPUCores: 1, MemoryGB: 4}, rc.ContainerInstance)

	require.NoError(t, rc.Save(proj, "again.runconfig", nil))
	assert.Equal(t, want, string(readFile(t, filepath.Join(proj, ".azureml", "again.runconfig"))))

	b, err := rc.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), "\"applicationEndpoints\": {},\n    \"containerInstance\": {\n        \"region\": \"westeurope\",\n        \"cpuCores\": 1,\n        \"memoryGb\": 4\n    }\n}")
	back, err := Parse(b, nil)
	require.NoError(t, err)
	assert.Equal(t, rc.ContainerInstance, back.ContainerInstance)

	// A section with missing keys gets the service's defaults, and fractions survive.
	rc.ContainerInstance = nil
	b, err = rc.JSON()
	require.NoError(t, err)
	assert.NotContains(t, string(b), "containerInstance", "absent section, absent key (as 1.50's repr)")
	back, err = Parse([]byte("script: s.py\ncontainerInstance:\n  memoryGb: 1.5\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, &ContainerInstanceConfiguration{CPUCores: 2, MemoryGB: 1.5}, back.ContainerInstance)
	b, err = back.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), "\"region\": null,\n        \"cpuCores\": 2,\n        \"memoryGb\": 1.5\n")
}
