package conda

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// scalarsOf collects every scalar (keys and values) of a YAML document.
func scalarsOf(t *testing.T, data []byte) []string {
	t.Helper()
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &n))
	var out []string
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			out = append(out, n.Value)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&n)
	return out
}

// commentLines returns the full-line comments of a text (CR stripped).
func commentLines(text string) []string {
	var out []string
	for _, l := range strings.Split(universalNewlines(text), "\n") {
		if s := strings.TrimSpace(l); strings.HasPrefix(s, "#") {
			out = append(out, s)
		}
	}
	return out
}

func TestCorpusLoadsAndKeepsContent(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "corpus", "conda")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		t.Skip("corpus absent")
	}
	require.NoError(t, err)
	loaded, rejected := 0, 0
	for _, e := range entries {
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			d, err := Load(path)
			if name == "konabuta+azureml-mlops__.azureml__environment.yml" {
				// An azureml Environment definition, not a conda file:
				// azureml 1.50 rejects it the same way.
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrUnknownKey))
				assert.Equal(t, "conda: "+path+": Environment error: unknown version key in environment specification", err.Error())
				rejected++
				return
			}
			require.NoError(t, err)
			loaded++
			in, err := os.ReadFile(path)
			require.NoError(t, err)
			out := d.Serialize()

			// Every comment line survives.
			outText := string(out)
			for _, c := range commentLines(string(in)) {
				assert.Contains(t, outText, c)
			}
			// Every scalar survives (long plain scalars may be folded).
			flat := strings.Join(strings.Fields(outText), " ")
			for _, s := range scalarsOf(t, []byte(universalNewlines(string(in)))) {
				assert.Contains(t, flat, strings.Join(strings.Fields(s), " "))
			}
			// Re-parsing gives equal values, with this package and yaml.v3.
			d2, err := Parse(out)
			require.NoError(t, err)
			assert.Equal(t, d.CondaPackages(), d2.CondaPackages())
			assert.Equal(t, d.PipPackages(), d2.PipPackages())
			assert.Equal(t, d.PipOptions(), d2.PipOptions())
			assert.Equal(t, d.Channels(), d2.Channels())
			j1, _ := d.MarshalJSON()
			j2, _ := d2.MarshalJSON()
			assert.JSONEq(t, string(j1), string(j2))
			var v1, v2 any
			require.NoError(t, yaml.Unmarshal([]byte(universalNewlines(string(in))), &v1))
			require.NoError(t, yaml.Unmarshal(out, &v2))
			assert.Equal(t, v1, v2)
			// Serializing is stable: a second round trip changes nothing.
			assert.Equal(t, string(out), string(d2.Serialize()))
		})
	}
	if !t.Failed() {
		t.Logf("corpus: %d loaded, %d rejected like azureml", loaded, rejected)
	}
}

// orderedJSON re-encodes JSON keeping object key order, so that two
// documents compare equal only if their keys are in the same order.
func orderedJSON(t *testing.T, data []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		enc, _ := json.Marshal(tok)
		if d, ok := tok.(json.Delim); ok {
			enc = []byte(d.String())
		}
		b.Write(enc)
		b.WriteByte(' ')
	}
	return b.String()
}

// TestRunconfigReprCondaDependencies compares MarshalJSON (as_dict) with
// the condaDependencies that azureml 1.50 put in repr.json for the conda
// files of the runconfig round-trip cases.
func TestRunconfigReprCondaDependencies(t *testing.T) {
	root := filepath.Join(sharedDir(t), "golden", "roundtrip", "runconfig")
	cases, _ := filepath.Glob(filepath.Join(root, "*", "input_file_form"))
	if len(cases) == 0 {
		t.Skip("runconfig round-trip cases absent")
	}
	sort.Strings(cases)
	checked := 0
	for _, input := range cases {
		caseDir := filepath.Dir(input)
		raw, err := os.ReadFile(filepath.Join(caseDir, "repr.json"))
		if err != nil {
			continue
		}
		var repr struct {
			Environment struct {
				Python struct {
					CondaDependenciesFile string          `json:"condaDependenciesFile"`
					CondaDependencies     json.RawMessage `json:"condaDependencies"`
				} `json:"python"`
			} `json:"environment"`
		}
		require.NoError(t, json.Unmarshal(raw, &repr))
		py := repr.Environment.Python
		if py.CondaDependenciesFile == "" || len(py.CondaDependencies) == 0 || string(py.CondaDependencies) == "null" {
			continue
		}
		path := filepath.Join(input, filepath.FromSlash(py.CondaDependenciesFile))
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t.Run(filepath.Base(caseDir), func(t *testing.T) {
			d, err := Load(path)
			require.NoError(t, err)
			got, err := d.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, orderedJSON(t, py.CondaDependencies), orderedJSON(t, got))
		})
		checked++
	}
	if checked == 0 {
		t.Skip("no case with a conda file")
	}
}

// TestSharedRoundtripGoldens checks golden/roundtrip/conda (inputs,
// byte-exact azureml outputs and property records) when present.
func TestSharedRoundtripGoldens(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "golden", "roundtrip", "conda")
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.input.yml"))
	if len(inputs) == 0 {
		t.Skip("golden/roundtrip/conda absent")
	}
	for _, in := range inputs {
		base := strings.TrimSuffix(in, ".input.yml")
		t.Run(filepath.Base(base), func(t *testing.T) {
			d, err := Load(in)
			require.NoError(t, err)
			if want, err := os.ReadFile(base + ".roundtrip.yml"); err == nil {
				assert.Equal(t, string(want), string(d.Serialize()))
			}
			raw, err := os.ReadFile(base + ".props.json")
			if err != nil {
				return
			}
			var p map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &p))
			list := func(key string, got []string) {
				if v, ok := p[key]; ok {
					var want []string
					require.NoError(t, json.Unmarshal(v, &want))
					if want == nil {
						want = []string{}
					}
					assert.Equal(t, want, got, key)
				}
			}
			list("conda_packages", d.CondaPackages())
			list("pip_packages", d.PipPackages())
			list("pip_options", d.PipOptions())
			list("conda_channels", d.Channels())
			for _, k := range []string{"get_python_version()", "get_python_version", "python_version"} {
				if v, ok := p[k]; ok {
					var want *string
					require.NoError(t, json.Unmarshal(v, &want))
					w := ""
					if want != nil {
						w = *want
					}
					assert.Equal(t, w, d.PythonVersion(), k)
				}
			}
			for _, k := range []string{"as_dict()", "as_dict"} {
				if v, ok := p[k]; ok {
					got, err := d.MarshalJSON()
					require.NoError(t, err)
					assert.Equal(t, orderedJSON(t, v), orderedJSON(t, got), k)
				}
			}
		})
	}
}
