package conda

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oracleCase is one differential case recorded from azureml-core 1.50's
// CondaDependencies logic running on ruamel.yaml 0.17.21 (see
// testdata/oracle/README.md).
type oracleCase struct {
	Name         string          `json:"name"`
	Input        string          `json:"input"`
	Create       *createArgs     `json:"create,omitempty"` // instead of Input: CondaDependencies.create(**create)
	InputFile    string          `json:"input_file"`       // relative to ../shared
	Ops          [][2]string     `json:"ops"`
	LoadError    *string         `json:"load_error"`
	Output0      *string         `json:"output0"`
	SerializeErr *string         `json:"serialize_error"`
	Props0       json.RawMessage `json:"props0"`
	Steps        []oracleStep    `json:"steps"`
	Props        json.RawMessage `json:"props"`
}

// createArgs are the keyword arguments of CondaDependencies.create; absent ones take
// azureml's defaults.
type createArgs struct {
	PipIndexURL   string   `json:"pip_indexurl,omitempty"`
	PipPackages   []string `json:"pip_packages"`
	CondaPackages []string `json:"conda_packages,omitempty"`
	PythonVersion string   `json:"python_version,omitempty"`
	PinSDKVersion *bool    `json:"pin_sdk_version,omitempty"`
}

// MarshalJSON leaves pip_packages out when nil (azureml's None) but keeps an empty list.
func (a createArgs) MarshalJSON() ([]byte, error) {
	type plain createArgs
	m := map[string]any{}
	b, err := json.Marshal(plain(a))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if a.PipPackages == nil {
		delete(m, "pip_packages")
	}
	return json.Marshal(m)
}

func (a *createArgs) options() *CreateOptions {
	return &CreateOptions{PipIndexURL: a.PipIndexURL, PipPackages: a.PipPackages, CondaPackages: a.CondaPackages,
		PythonVersion: a.PythonVersion, PinSDKVersion: a.PinSDKVersion}
}

type oracleStep struct {
	Error        *string `json:"error"`
	Output       *string `json:"output"`
	SerializeErr *string `json:"serialize_error"`
}

type oracleProps struct {
	CondaPackages json.RawMessage `json:"conda_packages"`
	PipPackages   json.RawMessage `json:"pip_packages"`
	PipOptions    json.RawMessage `json:"pip_options"`
	Channels      json.RawMessage `json:"channels"`
	PythonVersion json.RawMessage `json:"python_version"`
	AsDict        json.RawMessage `json:"as_dict"`
}

func applyOp(d *Dependencies, op, arg string) error {
	switch op {
	case "add_conda":
		return d.AddCondaPackage(arg)
	case "remove_conda":
		return d.RemoveCondaPackage(arg)
	case "add_pip":
		return d.AddPipPackage(arg)
	case "remove_pip":
		return d.RemovePipPackage(arg)
	case "set_pip_option":
		return d.SetPipOption(arg)
	case "remove_pip_option":
		return d.RemovePipOption(arg)
	case "add_channel":
		return d.AddChannel(arg)
	case "remove_channel":
		return d.RemoveChannel(arg)
	case "set_python":
		return d.SetPythonVersion(arg)
	case "set_pip_index_url":
		return d.SetPipIndexURL(arg)
	}
	panic("unknown op " + op)
}

func loadOracleCases(t *testing.T, path string) []oracleCase {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		require.NoError(t, err)
		defer gz.Close()
		r = gz
	}
	var out []oracleCase
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var c oracleCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		out = append(out, c)
	}
	require.NoError(t, sc.Err())
	return out
}

// checkProps compares the property values that are plain JSON in both.
func checkProps(t *testing.T, d *Dependencies, raw json.RawMessage) {
	t.Helper()
	if len(raw) == 0 {
		return
	}
	var p oracleProps
	require.NoError(t, json.Unmarshal(raw, &p))
	cmpList := func(name string, want json.RawMessage, got []string) {
		var raw []any
		if json.Unmarshal(want, &raw) != nil {
			return // Python raised
		}
		w := []string{}
		for _, v := range raw {
			s, ok := v.(string)
			if !ok {
				return // Python returned non-strings (and would raise later)
			}
			w = append(w, s)
		}
		if w == nil {
			w = []string{}
		}
		assert.Equal(t, w, got, name)
	}
	cmpList("conda_packages", p.CondaPackages, d.CondaPackages())
	cmpList("pip_packages", p.PipPackages, d.PipPackages())
	cmpList("pip_options", p.PipOptions, d.PipOptions())
	cmpList("channels", p.Channels, d.Channels())
	var pv *string
	if json.Unmarshal(p.PythonVersion, &pv) == nil {
		want := ""
		if pv != nil {
			want = *pv
		}
		assert.Equal(t, want, d.PythonVersion(), "python_version")
	}
	if len(p.AsDict) > 0 && p.AsDict[0] == '{' && !strings.Contains(string(p.AsDict), `"error"`) {
		got, err := d.MarshalJSON()
		require.NoError(t, err)
		var w, g any
		require.NoError(t, json.Unmarshal(p.AsDict, &w))
		require.NoError(t, json.Unmarshal(got, &g))
		assert.Equal(t, w, g, "as_dict")
	}
}

func runOracleCase(t *testing.T, c oracleCase) {
	if c.InputFile != "" {
		data, err := os.ReadFile(filepath.Join(sharedDir(t), filepath.FromSlash(c.InputFile)))
		if os.IsNotExist(err) {
			t.Skipf("%s not present", c.InputFile)
		}
		require.NoError(t, err)
		c.Input = string(data)
	}
	var d *Dependencies
	var err error
	if c.Create != nil {
		d, err = Create(c.Create.options())
	} else {
		d, err = Parse([]byte(c.Input))
	}
	if c.LoadError != nil {
		require.Error(t, err, "azureml failed to load: %s", *c.LoadError)
		if !strings.HasPrefix(*c.LoadError, "PY:") {
			assert.Equal(t, "conda: "+*c.LoadError, err.Error())
		}
		return
	}
	if errors.Is(err, ErrUnsupportedYAML) {
		t.Skipf("azureml loads this, amlgo rejects it: %v", err)
	}
	require.NoError(t, err)
	if c.SerializeErr != nil {
		return
	}
	require.NotNil(t, c.Output0)
	require.Equal(t, *c.Output0, string(d.Serialize()), "load → serialize")
	checkProps(t, d, c.Props0)
	for i, st := range c.Steps {
		op := c.Ops[i]
		err := applyOp(d, op[0], op[1])
		if st.Error != nil {
			require.Error(t, err, "step %d %v: azureml raised %s", i, op, *st.Error)
			if !strings.HasPrefix(*st.Error, "PY:") {
				assert.Equal(t, "conda: "+*st.Error, err.Error())
			}
		} else {
			require.NoError(t, err, "step %d %v", i, op)
		}
		if st.SerializeErr != nil || st.Output == nil {
			return
		}
		require.Equal(t, *st.Output, string(d.Serialize()), "step %d %v", i, op)
		if st.Error != nil && strings.HasPrefix(*st.Error, "PY:") {
			return
		}
	}
	checkProps(t, d, c.Props)
}

// TestOracleCases replays recorded differential cases: the committed
// testdata set always, plus any files named in AMLGO_CONDA_CASES.
func TestOracleCases(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "oracle", "*.jsonl.gz"))
	if extra := os.Getenv("AMLGO_CONDA_CASES"); extra != "" {
		files = append(files, strings.Split(extra, ",")...)
	}
	if len(files) == 0 {
		t.Skip("no oracle cases")
	}
	for _, f := range files {
		for _, c := range loadOracleCases(t, f) {
			t.Run(c.Name, func(t *testing.T) { runOracleCase(t, c) })
		}
	}
}
