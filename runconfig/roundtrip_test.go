package runconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundtripCases lists golden/roundtrip/runconfig/rc08* cases that have a repr.json.
func roundtripCases(t *testing.T) []string {
	dir := shared(t, "golden", "roundtrip", "runconfig")
	var out []string
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "repr.json")); err == nil {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	require.Len(t, out, 8)
	return out
}

// copyTree copies the regular files of src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	}))
}

func runconfigName(t *testing.T, dir string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.runconfig"))
	require.NoError(t, err)
	require.Len(t, m, 1)
	return filepath.Base(m[0])
}

func TestLoadRoundtripCasesMatchRepr(t *testing.T) {
	for _, c := range roundtripCases(t) {
		t.Run(filepath.Base(c), func(t *testing.T) {
			want := readFile(t, filepath.Join(c, "repr.json"))
			input := filepath.Join(c, "input_file_form")
			name := runconfigName(t, input)

			// File form: <casedir>/<name>, references relative to the file's directory.
			casedir := t.TempDir()
			copyTree(t, input, casedir)
			rc, err := Load(filepath.Join(casedir, name), "")
			require.NoError(t, err)
			got, err := reprOf(rc)
			require.NoError(t, err)
			requireSameJSON(t, want, got)
			assert.Equal(t, string(want), string(got), "byte-exact repr")

			// Project form, with the layout recorded in meta.json.
			var meta struct {
				Layout []string `json:"project_form_layout"`
			}
			require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(c, "meta.json")), &meta))
			proj := t.TempDir()
			for _, l := range meta.Layout {
				src := filepath.Join(input, filepath.FromSlash(l))
				if filepath.Base(l) == name {
					src = filepath.Join(input, name)
				}
				copyFile(t, src, filepath.Join(proj, filepath.FromSlash(l)))
			}
			rc2, err := Load(proj, name)
			require.NoError(t, err)
			got2, err := reprOf(rc2)
			require.NoError(t, err)
			requireSameJSON(t, want, got2)

			// JSON round trip through UnmarshalJSON gives the same JSON.
			got, err = rc.JSON()
			require.NoError(t, err)
			var back RunConfiguration
			require.NoError(t, json.Unmarshal(got, &back))
			again, err := back.JSON()
			require.NoError(t, err)
			assert.Equal(t, string(got), string(again))

			// Save + Load gives the same repr. A loaded condaDependenciesFile is kept and the
			// conda file written there (its directory must exist, as in azureml); without one it
			// becomes .azureml/conda_dependencies.yml.
			out := t.TempDir()
			require.NoError(t, os.Mkdir(filepath.Join(out, ".azureml"), 0o755))
			ref := rc.Environment.Python.CondaDependenciesFile
			if ref != "" {
				require.NoError(t, os.MkdirAll(filepath.Join(out, filepath.Dir(filepath.FromSlash(ref))), 0o755))
			}
			require.NoError(t, rc.Save(out, name, nil))
			rc3, err := Load(out, name)
			require.NoError(t, err)
			if rc.Environment.Python.CondaDependencies != nil {
				if ref == "" {
					ref = ".azureml/conda_dependencies.yml"
				}
				assert.Equal(t, ref, rc3.Environment.Python.CondaDependenciesFile)
				rc3.Environment.Python.CondaDependenciesFile = rc.Environment.Python.CondaDependenciesFile
			}
			got3, err := rc3.JSON()
			require.NoError(t, err)
			requireSameJSON(t, got, got3)
		})
	}
}

// reprOf is what azureml-core 1.50's repr() prints for rc: amlgo's JSON form without the
// containerInstance section, for which 1.50 has no field (amlgo keeps it: the service
// contract has it and the "containerinstance" target reads it; see
// TestContainerInstanceSectionKept).
func reprOf(rc *RunConfiguration) ([]byte, error) {
	c := rc.Clone()
	c.ContainerInstance = nil
	return c.JSON()
}

func TestLoadWorkbenchTitleCaseRC08i(t *testing.T) {
	proj := t.TempDir()
	copyTree(t, shared(t, "golden", "roundtrip", "runconfig", "rc08i_legacy_workbench_titlecase", "input_project"), proj)
	var warnings []string
	for _, load := range []func() (*RunConfiguration, error){
		func() (*RunConfiguration, error) {
			return LoadWithOptions(proj, "local.runconfig", &LoadOptions{OnWarning: func(s string) { warnings = append(warnings, s) }})
		},
		func() (*RunConfiguration, error) {
			return Load(filepath.Join(proj, "aml_config", "local.runconfig"), "")
		},
	} {
		rc, err := load()
		require.NoError(t, err)
		assert.Equal(t, "$file", rc.Script)
		assert.Equal(t, []any{}, rc.Arguments)
		assert.Equal(t, "local", rc.Target)
		assert.Equal(t, "Python", rc.Framework)
		assert.Equal(t, map[string]string{"EXAMPLE_ENV_VAR": "Example Value"}, rc.Environment.EnvironmentVariables)
		assert.Equal(t, "aml_config/conda_dependencies.yml", rc.Environment.Python.CondaDependenciesFile)
		require.NotNil(t, rc.Environment.Python.CondaDependencies)
		assert.Equal(t, "python", rc.Environment.Python.InterpreterPath) // from local.compute
		require.NotNil(t, rc.AutoPrepareEnvironment)
		assert.True(t, *rc.AutoPrepareEnvironment)
		assert.True(t, rc.History.OutputCollection)
		// spark_dependencies.yml merged
		assert.Equal(t, []string{"https://mmlspark.azureedge.net/maven"}, rc.Environment.Spark.Repositories)
		assert.Equal(t, []SparkMavenPackage{{Group: "com.microsoft.ml.spark", Artifact: "mmlspark_2.11", Version: "0.7"}}, rc.Environment.Spark.Packages)
		assert.False(t, rc.Environment.Docker.Enabled)
	}
	assert.True(t, strings.HasPrefix(warnings[0], "legacy Azure ML Workbench runconfig"), warnings)
}
