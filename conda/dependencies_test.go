package conda

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, s string) *Dependencies {
	t.Helper()
	d, err := Parse([]byte(s))
	require.NoError(t, err)
	return d
}

func plain(d *Dependencies) string { return strings.ReplaceAll(d.String(), "\r", "") }

func TestNewDefaults(t *testing.T) {
	d := New()
	assert.Equal(t, "project_environment", d.Name())
	assert.Equal(t, []string{"python=3.8.13"}, d.CondaPackages())
	assert.Equal(t, []string{"azureml-defaults"}, d.PipPackages())
	assert.Equal(t, []string{}, d.PipOptions())
	assert.Equal(t, []string{"anaconda", "conda-forge"}, d.Channels())
	assert.Equal(t, "3.8.13", d.PythonVersion())
	assert.Contains(t, string(d.Serialize()), "# Conda environment specification. The dependencies defined in this file will\r\n")
}

func TestCreateOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  *CreateOptions
		conda []string
		pip   []string
		opt   []string
	}{
		{"nil", nil, []string{"python=3.8.13"}, []string{"azureml-defaults~=1.50.0"}, []string{}},
		{"no pin", &CreateOptions{PinSDKVersion: boolPtr(false)}, []string{"python=3.8.13"}, []string{"azureml-defaults"}, []string{}},
		{"explicit pip drops defaults", &CreateOptions{PipPackages: []string{"numpy"}}, []string{"python=3.8.13"}, []string{"numpy"}, []string{}},
		{"empty pip list", &CreateOptions{PipPackages: []string{}}, []string{"python=3.8.13"}, []string{}, []string{}},
		{"extras are pinned with extras", &CreateOptions{PipPackages: []string{"azureml-sdk[notebooks]>=1.0", "pandas"}},
			[]string{"python=3.8.13"}, []string{"azureml-sdk[notebooks]~=1.50.0", "pandas"}, []string{}},
		{"only SDK packages are pinned", &CreateOptions{PipPackages: []string{"azureml-dataprep[pandas]", "azureml-widgets"}},
			[]string{"python=3.8.13"}, []string{"azureml-dataprep[pandas]", "azureml-widgets~=1.50.0"}, []string{}},
		{"python version", &CreateOptions{PythonVersion: "3.9.7", CondaPackages: []string{"numpy", "numpy"}},
			[]string{"python=3.9.7", "numpy"}, []string{"azureml-defaults~=1.50.0"}, []string{}},
		{"index url", &CreateOptions{PipIndexURL: "https://example.org/simple"}, []string{"python=3.8.13"},
			[]string{"azureml-defaults~=1.50.0"},
			[]string{"--index-url https://example.org/simple", "--extra-index-url https://pypi.python.org/simple"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Create(tc.opts)
			require.NoError(t, err)
			assert.Equal(t, tc.conda, d.CondaPackages())
			assert.Equal(t, tc.pip, d.PipPackages())
			assert.Equal(t, tc.opt, d.PipOptions())
			assert.Equal(t, []string{"anaconda", "conda-forge"}, d.Channels())
		})
	}
}

func TestCreateCondaPackagesAfterPipBlock(t *testing.T) {
	d, err := Create(&CreateOptions{CondaPackages: []string{"scikit-learn"}})
	require.NoError(t, err)
	assert.Equal(t, "name: project_environment\ndependencies:\n"+
		"  # The python interpreter version.\n  # Currently Azure ML only supports 3.8 and later.\n"+
		"- python=3.8.13\n\n- pip:\n  - azureml-defaults~=1.50.0\n- scikit-learn\nchannels:\n- anaconda\n- conda-forge\n",
		plain(d)[strings.Index(plain(d), "name:"):])
}

func TestAddCondaPackage(t *testing.T) {
	d := mustParse(t, "dependencies:\n- python=3.6\n- numpy\n")
	require.NoError(t, d.AddCondaPackage("numpy"))
	assert.Equal(t, []string{"python=3.6", "numpy"}, d.CondaPackages(), "exact duplicate is a no-op")
	require.NoError(t, d.AddCondaPackage("numpy=1.21"))
	assert.Equal(t, []string{"python=3.6", "numpy", "numpy=1.21"}, d.CondaPackages(), "no replacement")
	require.NoError(t, d.AddCondaPackage("python=3.9.1"))
	assert.Equal(t, []string{"python=3.9.1", "numpy", "numpy=1.21"}, d.CondaPackages(), "python routes to SetPythonVersion")
	assert.True(t, errors.Is(d.AddCondaPackage("python"), ErrInvalidPythonVersion))
	require.NoError(t, d.AddCondaPackage("python-dateutil"))
	assert.Equal(t, "python-dateutil", d.CondaPackages()[3])

	empty := mustParse(t, "name: x\n")
	require.NoError(t, empty.AddCondaPackage("numpy"))
	assert.Equal(t, "name: x\ndependencies:\n- numpy\n", empty.String())
}

func TestRemoveCondaPackage(t *testing.T) {
	d := mustParse(t, "dependencies:\n- python=3.6\n- numpy\n- scipy\n")
	require.NoError(t, d.RemoveCondaPackage("numpy"))
	require.NoError(t, d.RemoveCondaPackage("absent"))
	assert.Equal(t, []string{"python=3.6", "scipy"}, d.CondaPackages())
	err := d.RemoveCondaPackage("python=3.6")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrRemovePython))
	assert.Equal(t, "conda: python must not be removed from conda dependencies", err.Error())
}

func TestAddPipPackage(t *testing.T) {
	d := mustParse(t, "dependencies:\n- python=3.6\n- pip:\n  # keep me\n  - numpy==1.0\n  - pandas\n")
	require.NoError(t, d.AddPipPackage("numpy==1.21"))
	assert.Equal(t, []string{"pandas", "numpy==1.21"}, d.PipPackages(), "same name replaced, appended at end")
	require.NoError(t, d.AddPipPackage("pkg @ https://h/x/azureml_core-1.0-py3-none-any.whl"))
	require.NoError(t, d.AddPipPackage("https://h/y/azureml_core-2.0-py3-none-any.whl"))
	assert.Equal(t, []string{"pandas", "numpy==1.21", "https://h/y/azureml_core-2.0-py3-none-any.whl"}, d.PipPackages(),
		".whl names come from the file name")
	err := d.AddPipPackage("--index-url x")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrInvalidPackageName))
	assert.Contains(t, err.Error(), "Invalid package name")

	noPip := mustParse(t, "dependencies:\n- python=3.6\nchannels:\n- x\n")
	require.NoError(t, noPip.AddPipPackage("numpy"))
	assert.Equal(t, "dependencies:\n- python=3.6\n- pip:\n  - numpy\nchannels:\n- x\n", noPip.String())
}

func TestRemovePipPackage(t *testing.T) {
	d := mustParse(t, "dependencies:\n- pip:\n  - numpy==1.0\n  - pandas\n")
	require.NoError(t, d.RemovePipPackage("numpy"))
	require.NoError(t, d.RemovePipPackage("absent"))
	assert.Equal(t, []string{"pandas"}, d.PipPackages())
	assert.True(t, errors.Is(d.RemovePipPackage("-x"), ErrInvalidPackageName))
}

func TestPipOptions(t *testing.T) {
	d := mustParse(t, "dependencies:\n- pip:\n  - numpy\n")
	require.NoError(t, d.SetPipOption("--extra-index-url https://a"))
	require.NoError(t, d.SetPipIndexURL("--index-url https://b"))
	require.NoError(t, d.SetPipOption("--extra-index-url https://c"))
	assert.Equal(t, []string{"--extra-index-url https://c", "--index-url https://b"}, d.PipOptions())
	assert.Equal(t, []string{"numpy"}, d.PipPackages())
	assert.Equal(t, "dependencies:\n- pip:\n  - numpy\n  - --extra-index-url https://c\n  - --index-url https://b\n", d.String())
	require.NoError(t, d.RemovePipOption("--extra-index-url"))
	assert.Equal(t, []string{"--index-url https://b"}, d.PipOptions())
	err := d.SetPipOption("nodash")
	assert.True(t, errors.Is(err, ErrInvalidPipOption))
	assert.Equal(t, "conda: Invalid pip option nodash", err.Error())
}

func TestChannels(t *testing.T) {
	d := mustParse(t, "name: x\ndependencies:\n- python=3.6\n")
	require.NoError(t, d.AddChannel("conda-forge"))
	require.NoError(t, d.AddChannel("conda-forge"))
	require.NoError(t, d.AddChannel("pytorch"))
	assert.Equal(t, "name: x\ndependencies:\n- python=3.6\nchannels:\n- conda-forge\n- pytorch\n", d.String())
	require.NoError(t, d.RemoveChannel("conda-forge"))
	require.NoError(t, d.RemoveChannel("absent"))
	assert.Equal(t, []string{"pytorch"}, d.Channels())
}

func TestSetPythonVersionKeepsComments(t *testing.T) {
	d := New()
	require.NoError(t, d.SetPythonVersion("3.10.4"))
	assert.Contains(t, plain(d), "  # Currently Azure ML only supports 3.8 and later.\n- python=3.10.4\n\n- pip:")
	assert.Equal(t, "3.10.4", d.PythonVersion())

	star := mustParse(t, "dependencies:\n  # interpreter\n  - python=3.7.*\n")
	assert.Equal(t, "", star.PythonVersion())
	assert.Equal(t, []string{"python=3.7.*"}, star.CondaPackages())
	require.NoError(t, star.SetPythonVersion("3.8.13"))
	assert.Equal(t, "dependencies:\n  # interpreter\n- python=3.8.13\n", star.String())

	none := mustParse(t, "name: x\n")
	require.NoError(t, none.SetPythonVersion("3.8"))
	assert.Equal(t, "name: x\ndependencies:\n- python=3.8\n", none.String())
}

func TestCommentsSurviveEdits(t *testing.T) {
	in := "# header\n\nname: env\ndependencies:\n  # python first\n  - python=3.6\n  - numpy # fast arrays\n\n  - pip:\n      # pinned\n      - requests==2.0\nchannels:\n  - conda-forge\n"
	d := mustParse(t, in)
	require.NoError(t, d.AddPipPackage("flask"))
	require.NoError(t, d.AddCondaPackage("scipy"))
	assert.Equal(t, "# header\n\nname: env\ndependencies:\n  # python first\n- python=3.6\n- numpy   # fast arrays\n\n"+
		"- pip:\n      # pinned\n  - requests==2.0\n  - flask\n- scipy\nchannels:\n- conda-forge\n", d.String())
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		in       string
		sentinel error
		msg      string
	}{
		{"name: x\nfoo: 1\nbar: 2\n", ErrUnknownKey, "conda: Environment error: unknown foo key in environment specification"},
		{"", ErrInvalidStructure, "conda: Environment error: not a valid YAML structure"},
		{"# only a comment\n", ErrInvalidStructure, "conda: Environment error: not a valid YAML structure"},
		{"- a\n- b\n", ErrInvalidStructure, "conda: Environment error: not a valid YAML structure"},
		{"just a string\n", ErrInvalidStructure, "conda: Environment error: not a valid YAML structure"},
		{"name: [unclosed\n", ErrInvalidYAML, ""},
		{"name: a\nname: b\n", ErrInvalidYAML, ""},
		{"dependencies: &a [x]\n", ErrUnsupportedYAML, ""},
		{"name: !!str x\n", ErrUnsupportedYAML, ""},
		{"name: |\n  x\n", ErrUnsupportedYAML, ""},
		{"dependencies:\n", ErrMalformed, ""},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.in))
		require.Error(t, err, tc.in)
		assert.True(t, errors.Is(err, tc.sentinel), "%q: %v", tc.in, err)
		assert.True(t, strings.HasPrefix(err.Error(), "conda: "), err.Error())
		if tc.msg != "" {
			assert.Equal(t, tc.msg, err.Error())
		}
	}
	missing := filepath.Join(t.TempDir(), "missing.yml")
	_, err := Load(missing)
	require.Error(t, err)
	assert.True(t, errors.Is(err, os.ErrNotExist))
	assert.Equal(t, "conda: reading "+missing+": no such file or directory", err.Error())
}

// TestLoadErrorsNameTheFile: every error of Load says which file it is about, and still
// matches the sentinel of the problem.
func TestLoadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		body, want string
		sentinel   error
	}{
		"unknown.yml": {"name: x\nfoo: 1\n", "conda: %s: Environment error: unknown foo key in environment specification", ErrUnknownKey},
		"broken.yml":  {"name: [x\n", "conda: %s: yaml: ", ErrInvalidYAML},
		"list.yml":    {"- a\n", "conda: %s: Environment error: not a valid YAML structure", ErrInvalidStructure},
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(tc.body), 0o644))
		_, err := Load(p)
		require.Error(t, err, name)
		assert.True(t, strings.HasPrefix(err.Error(), fmt.Sprintf(tc.want, p)), "%s: %v", name, err)
		assert.True(t, errors.Is(err, tc.sentinel), "%s: %v", name, err)
	}
}

func TestUniversalNewlines(t *testing.T) {
	d := mustParse(t, "name: x\r\ndependencies:\r\n  # c\r\n  - numpy\r\r\n")
	assert.Equal(t, "name: x\ndependencies:\n  # c\n- numpy\n\n", d.String())
}

func TestJSONInputKeepsFlowStyle(t *testing.T) {
	d := mustParse(t, `{"name": "x", "dependencies": ["python=3.8", {"pip": ["a"]}], "channels": ["conda-forge"]}`)
	require.NoError(t, d.AddPipPackage("b"))
	assert.Equal(t, "{name: x, dependencies: [python=3.8, pip: [a, b]], channels: [conda-forge]}\n", d.String())
}

func TestMarshalUnmarshalJSON(t *testing.T) {
	d := mustParse(t, "name: x\ndependencies:\n- python=3.6\n- pip:\n  - a\nchannels: [c]\nvariables:\n  N: 1\n  F: 1.50\n  B: true\n  Z:\n")
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `{"name":"x","dependencies":["python=3.6",{"pip":["a"]}],"channels":["c"],"variables":{"N":1,"F":1.5,"B":true,"Z":null}}`, string(b))

	var back Dependencies
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, "name: x\ndependencies:\n- python=3.6\n- pip:\n  - a\nchannels:\n- c\nvariables:\n  N: 1\n  F: 1.5\n  B: true\n  Z:\n", back.String())
	assert.Equal(t, "3.6", back.PythonVersion())

	var empty Dependencies
	require.NoError(t, json.Unmarshal([]byte(`{}`), &empty))
	assert.Equal(t, New().String(), empty.String())
	var bad Dependencies
	err = json.Unmarshal([]byte(`{"foo": 1}`), &bad)
	assert.True(t, errors.Is(err, ErrUnknownKey))
	assert.True(t, errors.Is(json.Unmarshal([]byte(`[1]`), &bad), ErrInvalidStructure))
}

func TestHash(t *testing.T) {
	a := mustParse(t, "name: a\n# comment\ndependencies:\n  - python=3.6\n  - numpy\nchannels: [x, y]\n")
	b := mustParse(t, "name: b\ndependencies: [python=3.6, numpy]\nchannels:\n- x\n- y\n")
	c := mustParse(t, "name: a\ndependencies:\n- numpy\n- python=3.6\nchannels: [x, y]\n")
	assert.Len(t, a.Hash(), 32)
	assert.Regexp(t, "^[0-9a-f]{32}$", a.Hash())
	assert.Equal(t, a.Hash(), b.Hash(), "name, comments and layout are ignored")
	assert.NotEqual(t, a.Hash(), c.Hash(), "order matters")
	before := a.Hash()
	require.NoError(t, a.AddChannel("z"))
	assert.NotEqual(t, before, a.Hash())
}

func TestCloneIsIndependent(t *testing.T) {
	d := New()
	c := d.Clone()
	require.NoError(t, c.AddPipPackage("numpy"))
	require.NoError(t, c.SetPythonVersion("3.9.0"))
	assert.Equal(t, []string{"azureml-defaults"}, d.PipPackages())
	assert.Equal(t, New().String(), d.String())
	assert.Equal(t, "3.9.0", c.PythonVersion())
}

func TestAccessorsReturnCopies(t *testing.T) {
	d := New()
	d.CondaPackages()[0] = "changed"
	d.PipPackages()[0] = "changed"
	d.Channels()[0] = "changed"
	assert.Equal(t, New().String(), d.String())
}

func TestSerializeIsRepeatable(t *testing.T) {
	d := mustParse(t, "dependencies:\n  # pre\n  - a\nvariables:\n  # v\n  x: 1\n")
	first := d.String()
	assert.Equal(t, first, d.String())
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	d := New()
	err := d.Save(dir)
	assert.True(t, errors.Is(err, ErrInvalidPath))
	assert.Contains(t, err.Error(), "Cannot save a conda environment specification file to a directory.")
	err = d.Save(filepath.Join(dir, "missing", "env.yml"))
	assert.True(t, errors.Is(err, ErrInvalidPath))
	nopy := mustParse(t, "name: x\n")
	assert.True(t, errors.Is(nopy.Save(filepath.Join(dir, "x.yml")), ErrNoPython))
	path := filepath.Join(dir, "env.yml")
	require.NoError(t, d.Save(path))
	back, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, d.PipPackages(), back.PipPackages())
}

func TestMalformedDocuments(t *testing.T) {
	d := mustParse(t, "dependencies:\n- 3.6\n- pip:\n  - a\n")
	assert.True(t, errors.Is(d.AddPipPackage("b"), ErrMalformed), "azureml raises TypeError")
	assert.Equal(t, []string{"3.6"}, d.CondaPackages())
	s := mustParse(t, "dependencies: numpy\n")
	assert.True(t, errors.Is(s.AddCondaPackage("scipy"), ErrMalformed))
	assert.NoError(t, s.AddCondaPackage("num"), "substring membership, as in Python")
}

func TestLongPlainScalarsAreFolded(t *testing.T) {
	long := "-r https://automlcesdkdataresources.blob.core.windows.net/validated-requirements/1.59.0/validated_win32_requirements.txt [--no-deps]"
	d := mustParse(t, "dependencies:\n- pip:\n  - "+long+"\n")
	assert.Equal(t, "dependencies:\n- pip:\n  - -r https://automlcesdkdataresources.blob.core.windows.net/validated-requirements/1.59.0/validated_win32_requirements.txt\n    [--no-deps]\n", d.String())
	assert.Equal(t, []string{long}, mustParse(t, d.String()).PipOptions())
}

func TestZeroValue(t *testing.T) {
	var d Dependencies
	assert.Equal(t, "{}\n", d.String())
	assert.Equal(t, []string{}, d.CondaPackages())
	require.NoError(t, d.AddPipPackage("numpy"))
	assert.Equal(t, "dependencies:\n- pip:\n  - numpy\n", d.String())
}
