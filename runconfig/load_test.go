package runconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/conda"
)

func TestParseAnyKeyCaseButNotUserKeys(t *testing.T) {
	doc := `
Script: train.py
max_run_duration_seconds: 60
NODE_COUNT: 3
environment:
  Environment_Variables:
    my_Var: a
    OTHER_var: b
  python:
    user_managed_dependencies: true
    InterpreterPath: /usr/bin/python3
  Docker:
    base_image: img:1
    shm_size: 4g
environment_variables:
  lower_case: keep
mpi:
  process_count_per_node: 4
`
	var warnings []string
	rc, err := Parse([]byte(doc), &ParseOptions{OnWarning: func(s string) { warnings = append(warnings, s) }})
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, "train.py", rc.Script)
	assert.Equal(t, intp(60), rc.MaxRunDurationSeconds)
	assert.Equal(t, 3, rc.NodeCount)
	assert.Equal(t, map[string]string{"my_Var": "a", "OTHER_var": "b"}, rc.Environment.EnvironmentVariables)
	assert.Equal(t, map[string]string{"lower_case": "keep"}, rc.EnvironmentVariables)
	assert.True(t, rc.Environment.Python.UserManagedDependencies)
	assert.Equal(t, "/usr/bin/python3", rc.Environment.Python.InterpreterPath)
	assert.Equal(t, "img:1", rc.Environment.Docker.BaseImage)
	assert.Equal(t, "4g", rc.Environment.Docker.ShmSize)
	assert.Equal(t, MpiConfiguration{ProcessCountPerNode: 4, NodeCount: 1}, rc.MPI)
	// Sections missing from the file keep New's defaults.
	assert.Equal(t, New().History, rc.History)
	assert.Equal(t, "local", rc.Target)
}

func TestParseUnknownKeysAreReportedNotFatal(t *testing.T) {
	doc := `
script: a.py
bogus: 1
autoPrepareEnvironment: true
environment:
  docker:
    gpuSupport: true
    weird: x
  python:
    nope: 1
batchai:
  nodeCount: 1
containerInstance:
  cpuCores: 1
  memoryGb: 4
  region:
`
	var warnings []string
	rc, err := Parse([]byte(doc), &ParseOptions{OnWarning: func(s string) { warnings = append(warnings, s) }})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"ignored unknown key bogus",
		"ignored unknown key environment.docker.weird",
		"ignored unknown key environment.python.nope",
		"ignored legacy section batchai (2018 preview BatchAI; use amlcompute)",
	}, warnings)
	require.NotNil(t, rc.AutoPrepareEnvironment)
	assert.True(t, *rc.AutoPrepareEnvironment)
	require.NotNil(t, rc.Environment.Docker.GPUSupport)
	assert.True(t, *rc.Environment.Docker.GPUSupport)
	assert.Equal(t, &ContainerInstanceConfiguration{CPUCores: 1, MemoryGB: 4}, rc.ContainerInstance)
	// Legacy fields are read but never written; the containerInstance section is kept
	// (TestContainerInstanceSectionKept).
	b, err := rc.JSON()
	require.NoError(t, err)
	assert.NotContains(t, string(b), "gpuSupport")
	assert.NotContains(t, string(b), "autoPrepareEnvironment")
	assert.Contains(t, string(b), "containerInstance")
}

func TestParseNullsAndMissingKeys(t *testing.T) {
	rc, err := Parse([]byte(`
arguments:
communicator:
environment:
  python:
    interpreterPath: python
  docker:
    enabled: true
amlcompute:
  vmSize: STANDARD_D2_V2
docker:
  useDocker: true
`), nil)
	require.NoError(t, err)
	assert.Equal(t, "2g", rc.Docker.ShmSize, "the run configuration's own docker section keeps its default")
	assert.Nil(t, rc.Arguments)              // None stays None
	assert.Equal(t, "", rc.Communicator)     // null
	assert.Equal(t, "", rc.Environment.Name) // missing inside a present section: null
	assert.Equal(t, map[string]string{}, rc.Environment.EnvironmentVariables)
	assert.Equal(t, "", rc.Environment.Docker.ShmSize)
	assert.Equal(t, "", rc.Environment.Docker.BaseImage) // null, as 1.50 (not the constructor's image)
	assert.Nil(t, rc.Environment.Python.CondaDependencies)
	assert.Equal(t, "STANDARD_D2_V2", rc.AmlCompute.VMSize)
	b, err := rc.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"arguments": null,`)
	assert.Contains(t, string(b), `"communicator": null,`)
	assert.NotContains(t, string(b), `"condaDependencies"`)
}

func TestParseTypeErrors(t *testing.T) {
	_, err := Parse([]byte("nodeCount: many\nenvironment:\n  docker:\n    enabled: maybe\n"), nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrParse))
	assert.Contains(t, err.Error(), "runconfig: nodeCount: expected an integer")
	assert.Contains(t, err.Error(), "runconfig: environment.docker.enabled: expected true or false")

	_, err = Parse([]byte("- a\n- b\n"), nil)
	assert.True(t, errors.Is(err, ErrParse))
	_, err = Parse([]byte("a: [\n"), nil)
	assert.True(t, errors.Is(err, ErrParse))
}

func TestParseCommandList(t *testing.T) {
	rc, err := Parse([]byte("command: [python, train.py, --msg, hello world]\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, "python train.py --msg 'hello world'", rc.Command)
}

func TestLoadLookupOrderAndErrors(t *testing.T) {
	proj := t.TempDir()
	_, err := Load(proj, "x")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNotFound))
	// azureml's message, then every path that was tried, in lookup order.
	assert.Equal(t, "runconfig: Failed to load RunConfiguration from path="+proj+" name=x: none of "+
		strings.Join([]string{
			filepath.Join(proj, "aml_config", "x"), filepath.Join(proj, "aml_config", "x.runconfig"),
			filepath.Join(proj, ".azureml", "x"), filepath.Join(proj, ".azureml", "x.runconfig"),
			filepath.Join(proj, "x.runconfig"),
		}, ", ")+" exists", err.Error())

	writeFile(t, filepath.Join(proj, "x.runconfig"), []byte("script: root.py\n"))
	rc, err := Load(proj, "x")
	require.NoError(t, err)
	assert.Equal(t, "root.py", rc.Script)

	writeFile(t, filepath.Join(proj, ".azureml", "x.runconfig"), []byte("script: azureml.py\n"))
	rc, err = Load(proj, "x")
	require.NoError(t, err)
	assert.Equal(t, "azureml.py", rc.Script)

	writeFile(t, filepath.Join(proj, "aml_config", "x.runconfig"), []byte("script: aml_config.py\n"))
	rc, err = Load(proj, "x.runconfig")
	require.NoError(t, err)
	assert.Equal(t, "aml_config.py", rc.Script)

	_, err = Load(proj, "")
	assert.True(t, errors.Is(err, ErrNotFound))
	_, err = Load(filepath.Join(proj, "missing.runconfig"), "")
	assert.True(t, errors.Is(err, ErrNotFound))
}

func TestLoadMissingCondaFileNamesPath(t *testing.T) {
	proj := t.TempDir()
	writeFile(t, filepath.Join(proj, ".azureml", "a.runconfig"),
		[]byte("environment:\n  python:\n    condaDependenciesFile: .azureml/conda_dependencies.yml\n"))
	_, err := Load(proj, "a.runconfig")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrReferencedFileMissing))
	assert.Contains(t, err.Error(), filepath.Join(proj, ".azureml", "conda_dependencies.yml"))

	// File form resolves against the runconfig's own directory.
	_, err = Load(filepath.Join(proj, ".azureml", "a.runconfig"), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(proj, ".azureml", ".azureml", "conda_dependencies.yml"))

	// A conda file that does not parse: both files are named, the conda sentinel matches.
	condaFile := filepath.Join(proj, ".azureml", "conda_dependencies.yml")
	writeFile(t, condaFile, []byte("name: x\nversion: 1\n"))
	_, err = Load(proj, "a.runconfig")
	assert.EqualError(t, err, "runconfig: environment.python.condaDependenciesFile .azureml/conda_dependencies.yml: conda: "+
		condaFile+": Environment error: unknown version key in environment specification")
	assert.ErrorIs(t, err, ErrParse)
	assert.ErrorIs(t, err, conda.ErrUnknownKey)

	writeFile(t, condaFile, []byte("name: x\ndependencies:\n- python=3.8\n"))
	rc, err := Load(proj, "a.runconfig")
	require.NoError(t, err)
	require.NotNil(t, rc.Environment.Python.CondaDependencies)

	// A missing environment file is named too.
	writeFile(t, filepath.Join(proj, ".azureml", "b.runconfig"), []byte("environment: .azureml/env.yml\n"))
	_, err = Load(proj, "b.runconfig")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrReferencedFileMissing))
	assert.Contains(t, err.Error(), filepath.Join(proj, ".azureml", "env.yml"))
}

func TestParseWithoutBaseDirUsesInlineConda(t *testing.T) {
	b, err := New().JSON()
	require.NoError(t, err)
	rc, err := Parse(b, nil)
	require.NoError(t, err)
	again, err := rc.JSON()
	require.NoError(t, err)
	assert.Equal(t, string(b), string(again))

	_, err = Parse([]byte("environment: env.yml\n"), nil)
	assert.True(t, errors.Is(err, ErrReferencedFileMissing))
}

func TestLoadDoesNotNeedWritableDir(t *testing.T) {
	proj := t.TempDir()
	p := filepath.Join(proj, "r.runconfig")
	writeFile(t, p, []byte("{\"script\": \"a.py\", \"target\": \"cpu\"}"))
	require.NoError(t, os.Chmod(p, 0o444))
	rc, err := Load(p, "")
	require.NoError(t, err)
	assert.Equal(t, "cpu", rc.Target)
}

// As 1.50: each dataReferences entry is validated while loading, a missing mode is "mount",
// and the mode is lower-cased (found by the differential test).
func TestParseDataReferencesLikeAzureML(t *testing.T) {
	rc, err := Parse([]byte("dataReferences:\n  a:\n    dataStoreName: ws\n  b:\n    dataStoreName: ws\n    mode: Download\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, "mount", rc.DataReferences["a"].Mode)
	assert.Equal(t, "download", rc.DataReferences["b"].Mode)

	_, err = Parse([]byte("dataReferences:\n  a:\n    mode: mount\n"), nil)
	assert.ErrorIs(t, err, ErrParse)
	assert.ErrorContains(t, err, "runconfig: dataReferences.a: Missing data store name")
	_, err = Parse([]byte("dataReferences:\n  a:\n    dataStoreName: ws\n    mode: copy\n"), nil)
	assert.ErrorContains(t, err, "runconfig: dataReferences.a: mode copy is not supported. Only mount, download allowed")
}

// A TitleCase key that is also a current key ("EnvironmentVariables") does not make a file
// with an environment section a Workbench one: 1.50 reads it as a current file (found by the
// differential test).
func TestTitleCaseKeyInCurrentFileIsNotWorkbench(t *testing.T) {
	rc, err := Parse([]byte("script: train.py\nTarget: cpu\nenvironment:\n  name: e\nEnvironmentVariables:\n  A: b\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, "train.py", rc.Script)
	assert.Equal(t, "cpu", rc.Target)
	assert.Equal(t, "e", rc.Environment.Name)
	assert.Equal(t, map[string]string{"A": "b"}, rc.EnvironmentVariables)
}

// As 1.50: the entries of outputData and applicationEndpoints are objects, so a scalar entry
// fails the load (found by the differential test).
func TestParseObjectMapEntriesMustBeMappings(t *testing.T) {
	for _, key := range []string{"outputData", "applicationEndpoints", "dataReferences"} {
		_, err := Parse([]byte("environment:\n  name: e\n"+key+":\n  x: 1\n"), nil)
		assert.ErrorIs(t, err, ErrParse, key)
		assert.ErrorContains(t, err, "runconfig: "+key+".x: expected a mapping")
	}
	rc, err := Parse([]byte("outputData:\n  x:\n    mechanism: mount\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"mechanism": "mount"}, rc.OutputData["x"])
}

// As 1.50 (CondaDependencies(_underlying_structure=...)): an inline conda specification keeps
// the form it has in the runconfig, block or flow (found by the differential test).
func TestInlineCondaKeepsItsStyle(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{"environment:\n  python:\n    condaDependencies:\n      name: x\n      dependencies:\n      - python=3.8.13\n",
			"name: x\ndependencies:\n- python=3.8.13\n"},
		{`{"environment": {"python": {"condaDependencies": {"name": "x", "dependencies": ["python=3.8.13"]}}}}`,
			"{name: x, dependencies: [python=3.8.13]}\n"},
	} {
		rc, err := Parse([]byte(c.doc), nil)
		require.NoError(t, err)
		assert.Equal(t, c.want, string(rc.Environment.Python.CondaDependencies.Serialize()))
	}
}

// As 1.50 (RunConfiguration._check_camel_case_keys): a document with any key that is not
// camelCase is rebuilt with camelCase keys everywhere but in the environment variables, so
// the names in dataReferences and the spark configuration change too, and an inline conda
// specification loses its comments and flow style (found by the differential test; the
// expected values are azureml-core 1.50's).
func TestNonCamelCaseDocumentIsRebuiltLikeAzureML(t *testing.T) {
	rc, err := Parse([]byte(`script: train.py
node_count: 2
environment:
  environmentVariables:
    MY_VAR: x
  python:
    condaDependencies:
      # c1
      name: x
      channels: [conda-forge]
dataReferences:
  training_data:
    dataStoreName: ws
    Path_On_Data_Store: p
spark:
  configuration:
    spark.x_y: 1
    Spark.Z: 2
environmentVariables:
  TOP_VAR: z
`), nil)
	require.NoError(t, err)
	assert.Equal(t, 2, rc.NodeCount)
	assert.Equal(t, map[string]string{"MY_VAR": "x"}, rc.Environment.EnvironmentVariables)
	assert.Equal(t, map[string]string{"TOP_VAR": "z"}, rc.EnvironmentVariables)
	require.Contains(t, rc.DataReferences, "trainingData")
	assert.Equal(t, "p", rc.DataReferences["trainingData"].PathOnDataStore)
	assert.Equal(t, map[string]any{"spark.xY": 1, "spark.Z": 2}, rc.Spark.Configuration)
	assert.Equal(t, "name: x\nchannels:\n- conda-forge\n", string(rc.Environment.Python.CondaDependencies.Serialize()))

	// A data reference name is a key like the others: alone it makes the document non-camelCase.
	rc, err = Parse([]byte("dataReferences:\n  training_data:\n    dataStoreName: ws\n"), nil)
	require.NoError(t, err)
	assert.Contains(t, rc.DataReferences, "trainingData")
}

func TestPyCamelCase(t *testing.T) {
	for in, want := range map[string]string{"vm_size": "vmSize", "NodeCount": "nodeCount", "spark.x_y": "spark.xY",
		"a__b": "aB", "x_vm2size": "xVm2Size", "nodeCount": "nodeCount", "": "", "a_": "a", "Ünï_ab": "ünïAb"} {
		assert.Equal(t, want, pyCamelCase(in), in)
	}
}

// In a file whose other keys are all camelCase, 1.50 never reads a TitleCase or snake_case
// spelling of environmentVariables (it renames keys only when it rebuilds a non-camelCase
// file); with another non-camelCase key it does (found by the differential test).
func TestMisspelledEnvironmentVariablesLikeAzureML(t *testing.T) {
	var warnings []string
	rc, err := Parse([]byte("environment:\n  name: e\n  Environment_Variables:\n    X: y\nEnvironmentVariables:\n  A: b\n"),
		&ParseOptions{OnWarning: func(s string) { warnings = append(warnings, s) }})
	require.NoError(t, err)
	assert.Empty(t, rc.EnvironmentVariables)
	assert.Empty(t, rc.Environment.EnvironmentVariables)
	assert.Len(t, warnings, 2)

	rc, err = Parse([]byte("Script: train.py\nenvironment:\n  name: e\nEnvironmentVariables:\n  A: b\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "b"}, rc.EnvironmentVariables)
}

// autoPrepareEnvironment is a 1.0.x key 1.50 ignores: a value amlgo cannot use is ignored
// too, not an error (found by the differential test).
func TestAutoPrepareEnvironmentNeverFails(t *testing.T) {
	rc, err := Parse([]byte("environment:\n  name: e\nautoPrepareEnvironment: x\n"), nil)
	require.NoError(t, err)
	assert.Nil(t, rc.AutoPrepareEnvironment)
	rc, err = Parse([]byte("environment:\n  name: e\nautoPrepareEnvironment: false\n"), nil)
	require.NoError(t, err)
	require.NotNil(t, rc.AutoPrepareEnvironment)
	assert.False(t, *rc.AutoPrepareEnvironment)
}

// 1.50 applies bool() to what a boolean field holds, so the strings 'false', no and off are
// true there; amlgo refuses them rather than read them the other way (found by the
// differential test).
func TestFalseLookingStringsInBoolFieldsAreRefused(t *testing.T) {
	for _, v := range []string{"'false'", "no", "off", "\"No\""} {
		_, err := Parse([]byte("environment:\n  python:\n    userManagedDependencies: "+v+"\n"), nil)
		assert.ErrorContains(t, err, "runconfig: environment.python.userManagedDependencies: expected true or false, not the string", v)
	}
	for _, v := range []string{"true", "True", "'true'", "yes", "on"} {
		rc, err := Parse([]byte("environment:\n  python:\n    userManagedDependencies: "+v+"\n"), nil)
		require.NoError(t, err, v)
		assert.True(t, rc.Environment.Python.UserManagedDependencies, v)
	}
}
