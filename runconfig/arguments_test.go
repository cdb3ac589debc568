package runconfig

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typedArguments covers every kind of argument and the strings that look like them.
var typedArguments = []any{"--epochs", 3, "--lr", 0.5, "--scale", 1.0, "--big", 1e20, "--small", 1e-5,
	"--neg", -2, "--fast", true, "--slow", false, "3", "0.5", "true", "yes", "", "a: b"}

func argumentsYAML(t *testing.T, rc *RunConfiguration) string {
	t.Helper()
	y, err := rc.YAML()
	require.NoError(t, err)
	s := string(y)
	start := strings.Index(s, "arguments:")
	end := strings.Index(s, "\ntarget:")
	require.True(t, start >= 0 && end > start, s)
	return s[start:end]
}

func TestArgumentsYAMLAndJSONKeepTypes(t *testing.T) {
	rc := New()
	rc.Script = "train.py"
	rc.Arguments = typedArguments

	assert.Equal(t, `arguments:
- --epochs
- 3
- --lr
- 0.5
- --scale
- 1.0
- --big
- 1e+20
- --small
- 1e-05
- --neg
- -2
- --fast
- true
- --slow
- false
- '3'
- '0.5'
- 'true'
- 'yes'
- ''
- 'a: b'`, argumentsYAML(t, rc))

	js, err := rc.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(js), `"arguments": [
        "--epochs",
        3,
        "--lr",
        0.5,
        "--scale",
        1.0,
        "--big",
        1e+20,
        "--small",
        1e-05,
        "--neg",
        -2,
        "--fast",
        true,
        "--slow",
        false,
        "3",
        "0.5",
        "true",
        "yes",
        "",
        "a: b"
    ],`)
}

func TestArgumentsRoundTripKeepTypes(t *testing.T) {
	rc := New()
	rc.Script = "train.py"
	rc.Arguments = typedArguments
	// After loading, every Go integer is an int.
	want := []any{"--epochs", 3, "--lr", 0.5, "--scale", 1.0, "--big", 1e20, "--small", 1e-5,
		"--neg", -2, "--fast", true, "--slow", false, "3", "0.5", "true", "yes", "", "a: b"}

	t.Run("Save and Load", func(t *testing.T) {
		proj := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(proj, ".azureml"), 0o755))
		require.NoError(t, rc.Save(proj, "typed.runconfig", nil))
		back, err := Load(proj, "typed")
		require.NoError(t, err)
		assert.Equal(t, want, back.Arguments)

		// Saving again writes the same file.
		first := readFile(t, filepath.Join(proj, ".azureml", "typed.runconfig"))
		require.NoError(t, back.Save(proj, "typed.runconfig", nil))
		assert.Equal(t, string(first), string(readFile(t, filepath.Join(proj, ".azureml", "typed.runconfig"))))
	})
	t.Run("JSON", func(t *testing.T) {
		js, err := json.Marshal(rc)
		require.NoError(t, err)
		var back RunConfiguration
		require.NoError(t, json.Unmarshal(js, &back))
		assert.Equal(t, want, back.Arguments)
		again, err := back.JSON()
		require.NoError(t, err)
		direct, err := rc.JSON()
		require.NoError(t, err)
		assert.Equal(t, string(direct), string(again))
	})
	t.Run("other Go integers", func(t *testing.T) {
		rc := New()
		rc.Arguments = []any{int8(-8), int16(16), int32(32), int64(1) << 40, uint(7), uint8(8), uint16(16), uint32(32), uint64(math.MaxUint64)}
		js, err := rc.JSON()
		require.NoError(t, err)
		assert.Contains(t, string(js), "-8,\n        16,\n        32,\n        1099511627776,\n        7,\n        8,\n        16,\n        32,\n        18446744073709551615\n")
		assert.Equal(t, "arguments:\n- -8\n- 16\n- 32\n- 1099511627776\n- 7\n- 8\n- 16\n- 32\n- 18446744073709551615", argumentsYAML(t, rc))
	})
}

func TestArgumentsDecodeScalarTypes(t *testing.T) {
	rc, err := Parse([]byte(`script: s.py
arguments:
- 3
- "3"
- 0.5
- 1.50
- 1e3
- true
- True
- yes
- 0x10
- 2020-01-02
- null
- -.inf
`), nil)
	require.NoError(t, err)
	assert.Equal(t, []any{3, "3", 0.5, 1.5, 1000.0, true, true, "yes", 16, "2020-01-02", nil, math.Inf(-1)}, rc.Arguments)

	// json.dumps spells non-finite floats NaN / Infinity; quoted they stay strings.
	rc, err = Parse([]byte(`{"arguments": [NaN, Infinity, -Infinity, "NaN", 1.0, 2]}`), nil)
	require.NoError(t, err)
	require.Len(t, rc.Arguments, 6)
	assert.True(t, math.IsNaN(rc.Arguments[0].(float64)))
	assert.Equal(t, []any{math.Inf(1), math.Inf(-1), "NaN", 1.0, 2}, rc.Arguments[1:])

	_, err = Parse([]byte("arguments:\n- [a, b]\n"), nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrParse))
	assert.Contains(t, err.Error(), "arguments[0]")

	// Workbench ArgumentVector items stay strings.
	rc, err = Parse([]byte("ArgumentVector:\n- train.py\n- 0.01\n- 3\nTarget: local\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, []any{"0.01", "3"}, rc.Arguments)
}

func TestArgumentStrings(t *testing.T) {
	tenth, fifth := 0.1, 0.2 // not constants: Go would fold 0.1+0.2 exactly
	for _, c := range []struct {
		arg  any
		want string
	}{
		{"--epochs", "--epochs"},
		{"", ""},
		{3, "3"},
		{-2, "-2"},
		{int64(1) << 40, "1099511627776"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{int8(-8), "-8"},
		{0.5, "0.5"},
		{1.0, "1.0"},
		{0.0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1e20, "1e+20"},
		{1e16, "1e+16"},
		{1e15, "1000000000000000.0"},
		{1e-5, "1e-05"},
		{0.0001, "0.0001"},
		{tenth + fifth, "0.30000000000000004"},
		{1.5e300, "1.5e+300"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
		{true, "True"},
		{false, "False"},
		{nil, "None"},
	} {
		assert.Equal(t, []string{c.want}, ArgumentStrings([]any{c.arg}), "%#v", c.arg)
	}
	assert.Nil(t, ArgumentStrings(nil))
	assert.Equal(t, []string{}, ArgumentStrings([]any{}))
	args := []any{"--n", 3}
	assert.Equal(t, []string{"--n", "3"}, ArgumentStrings(args))
	assert.Equal(t, []any{"--n", 3}, args, "input not modified")
}

func TestValidateRejectsBadArgumentTypes(t *testing.T) {
	for _, c := range []struct {
		name string
		arg  any
		msg  string
	}{
		{"map", map[string]any{"a": 1}, "arguments[1] has unsupported type map[string]interface {}"},
		{"slice", []any{"a"}, "arguments[1] has unsupported type []interface {}"},
		{"string slice", []string{"a"}, "arguments[1] has unsupported type []string"},
		{"nil", nil, "arguments[1] is nil"},
		{"float32", float32(0.5), "arguments[1] has type float32; use float64"},
		{"struct", struct{ X int }{1}, "arguments[1] has unsupported type struct { X int }"},
		{"pointer", new(int), "arguments[1] has unsupported type *int"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := New()
			rc.Script = "train.py"
			rc.Arguments = []any{"--x", c.arg, 3}
			err := rc.Validate("")
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid))
			assert.Contains(t, err.Error(), "runconfig: "+c.msg)
			assert.NotContains(t, err.Error(), "arguments[0]")
			assert.NotContains(t, err.Error(), "arguments[2]")

			src := ScriptRunConfig{SourceDirectory: t.TempDir(), Command: []string{"true"}, Arguments: []any{c.arg}}
			err = src.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "arguments[0] ")
		})
	}

	rc := New()
	rc.Script = "train.py"
	rc.Arguments = typedArguments
	assert.NoError(t, rc.Validate(""))

	// Serializing an unsupported value fails (nil is written as null, like Python's None).
	rc.Arguments = []any{map[string]int{"a": 1}}
	_, err := rc.JSON()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "arguments[0]")
	rc.Arguments = []any{nil}
	js, err := rc.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(js), "\"arguments\": [\n        null\n    ]")
}
