package runconfig

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

type corpusRow struct {
	ok                                    bool
	script, target, framework, image, cda string
}

func readCorpusTable(t *testing.T) map[string]corpusRow {
	t.Helper()
	rows := map[string]corpusRow{}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, shared(t, "golden", "corpus_load_results_sdk1.50.txt"))))
	for sc.Scan() {
		f := strings.Split(sc.Text(), " | ")
		if len(f) < 2 {
			continue
		}
		r := corpusRow{ok: f[1] == "OK"}
		if r.ok {
			require.Len(t, f, 7, sc.Text())
			none := func(s string) string {
				if s == "None" {
					return ""
				}
				return s
			}
			r.script, r.target, r.framework, r.image, r.cda = none(f[2]), f[3], f[4], f[5], none(f[6])
		}
		rows[f[0]] = r
	}
	return rows
}

var condaRefRe = regexp.MustCompile(`(?i)"?conda_?dependencies_?file"?\s*:\s*"?([^"\s,]+)`)

// corpusProject lays a corpus runconfig out in a temporary project the way the 1.50 table
// was produced: <proj>/<cfgdir>/<name>.runconfig plus every file it references.
func corpusProject(t *testing.T, corpus, file string) (proj, name string) {
	t.Helper()
	data := readFile(t, filepath.Join(corpus, "runconfig", file))
	parts := strings.Split(strings.TrimSuffix(file, ".runconfig"), "__")
	name = parts[len(parts)-1] + ".runconfig"
	cfg := ".azureml"
	if strings.Contains(file, "__aml_config__") {
		cfg = "aml_config"
	}
	proj = t.TempDir()
	writeFile(t, filepath.Join(proj, cfg, name), data)
	defaultConda := readFile(t, shared(t, "golden", "conda_default_CondaDependencies().yml"))
	for _, m := range condaRefRe.FindAllSubmatch(data, -1) {
		writeFile(t, filepath.Join(proj, filepath.FromSlash(string(m[1]))), defaultConda)
	}
	if bytes.Contains(data, []byte("environment: .azureml/environment.yml")) {
		// konabuta diabetes2: the referenced files are those of roundtrip case rc08d (same repo).
		rc08d := shared(t, "golden", "roundtrip", "runconfig", "rc08d_separate_environment_file", "input_file_form", ".azureml")
		copyFile(t, filepath.Join(rc08d, "environment.yml"), filepath.Join(proj, ".azureml", "environment.yml"))
		copyFile(t, filepath.Join(rc08d, "conda_dependencies.yml"), filepath.Join(proj, ".azureml", "conda_dependencies.yml"))
	}
	// Workbench companions: <target>.compute and spark_dependencies.yml from the same repo.
	owner := parts[0]
	if m, _ := filepath.Glob(filepath.Join(corpus, "compute", owner+"__aml_config__*.compute")); len(m) > 0 {
		for _, c := range m {
			cp := strings.Split(filepath.Base(c), "__")
			copyFile(t, c, filepath.Join(proj, "aml_config", cp[len(cp)-1]))
		}
	}
	if m, _ := filepath.Glob(filepath.Join(corpus, "spark", owner+"__aml_config__spark_dependencies.yml")); len(m) == 1 {
		copyFile(t, m[0], filepath.Join(proj, "aml_config", "spark_dependencies.yml"))
	}
	return proj, name
}

func TestCorpusLoadsLikeSDK150(t *testing.T) {
	corpus := shared(t, "corpus")
	table := readCorpusTable(t)
	files, err := filepath.Glob(filepath.Join(corpus, "runconfig", "*.runconfig"))
	require.NoError(t, err)
	require.Len(t, files, 33)
	loaded, matched, titleCase := 0, 0, 0
	for _, path := range files {
		file := filepath.Base(path)
		row, ok := table[file]
		require.True(t, ok, "%s missing from the 1.50 table", file)
		t.Run(file, func(t *testing.T) {
			proj, name := corpusProject(t, corpus, file)
			var warnings []string
			rc, err := LoadWithOptions(proj, name, &LoadOptions{OnWarning: func(s string) { warnings = append(warnings, s) }})
			require.NoError(t, err)
			loaded++
			_, err = rc.JSON()
			require.NoError(t, err)
			raw := readFile(t, path)
			switch {
			case row.ok:
				assert.Equal(t, row.script, rc.Script, "script")
				assert.Equal(t, row.target, rc.Target, "target")
				assert.Equal(t, row.framework, rc.Framework, "framework")
				assert.Equal(t, row.image, rc.Environment.Docker.BaseImage, "base image")
				assert.Equal(t, row.cda, rc.Environment.Python.CondaDependenciesFile, "conda file")
				if !t.Failed() {
					matched++
				}
			case bytes.Contains(raw, []byte("ArgumentVector")):
				checkTitleCaseMapping(t, corpus, raw, rc)
				if !t.Failed() {
					titleCase++
				}
			default: // konabuta diabetes2: 1.50 failed only because the harness lacked the files.
				assert.Equal(t, "cpuclusters", rc.Target)
				assert.Equal(t, "diabetes-env", rc.Environment.Name)
				assert.Equal(t, ".azureml/conda_dependencies.yml", rc.Environment.Python.CondaDependenciesFile)
				require.NotNil(t, rc.Environment.Python.CondaDependencies)
				// Without the conda file the error names the missing path.
				require.NoError(t, os.Remove(filepath.Join(proj, ".azureml", "conda_dependencies.yml")))
				_, err := Load(proj, name)
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrReferencedFileMissing))
				assert.Contains(t, err.Error(), filepath.Join(proj, ".azureml", "conda_dependencies.yml"))
			}
		})
	}
	t.Logf("corpus: %d/33 load; %d/26 match the 1.50 table; %d/6 Workbench TitleCase mapped", loaded, matched, titleCase)
	assert.Equal(t, 33, loaded)
	assert.Equal(t, 26, matched)
	assert.Equal(t, 6, titleCase)
}

// checkTitleCaseMapping compares a loaded Workbench file with its TitleCase keys.
func checkTitleCaseMapping(t *testing.T, corpus string, raw []byte, rc *RunConfiguration) {
	t.Helper()
	var wb struct {
		ArgumentVector        []string          `yaml:"ArgumentVector"`
		Target                string            `yaml:"Target"`
		Framework             string            `yaml:"Framework"`
		CondaDependenciesFile string            `yaml:"CondaDependenciesFile"`
		EnvironmentVariables  map[string]string `yaml:"EnvironmentVariables"`
		PrepareEnvironment    bool              `yaml:"PrepareEnvironment"`
		TrackedRun            bool              `yaml:"TrackedRun"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &wb))
	assert.Equal(t, wb.ArgumentVector[0], rc.Script)
	assert.Equal(t, wb.ArgumentVector[1:], ArgumentStrings(rc.Arguments))
	for _, a := range rc.Arguments {
		assert.IsType(t, "", a, "Workbench ArgumentVector items stay strings")
	}
	assert.Equal(t, wb.Target, rc.Target)
	assert.Equal(t, wb.Framework, rc.Framework)
	assert.Equal(t, wb.CondaDependenciesFile, rc.Environment.Python.CondaDependenciesFile)
	assert.NotNil(t, rc.Environment.Python.CondaDependencies)
	if wb.EnvironmentVariables == nil {
		wb.EnvironmentVariables = map[string]string{}
	}
	assert.Equal(t, wb.EnvironmentVariables, rc.Environment.EnvironmentVariables)
	require.NotNil(t, rc.AutoPrepareEnvironment)
	assert.Equal(t, wb.PrepareEnvironment, *rc.AutoPrepareEnvironment)
	assert.Equal(t, wb.TrackedRun, rc.History.OutputCollection)
	if wb.Target == "docker" {
		// <target>.compute merged when the repository has it.
		if m, _ := filepath.Glob(filepath.Join(corpus, "compute", "*__aml_config__docker.compute")); len(m) > 0 &&
			bytes.Contains(raw, []byte("Example Value")) && rc.Environment.Docker.Enabled {
			assert.True(t, strings.HasPrefix(rc.Environment.Docker.BaseImage, "microsoft/mmlspark:"), rc.Environment.Docker.BaseImage)
		}
	}
}
