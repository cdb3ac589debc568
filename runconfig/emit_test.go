package runconfig

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestYAMLStringQuoting(t *testing.T) {
	cases := map[string]string{
		"":                    "''",
		"0.5":                 "'0.5'",
		"8":                   "'8'",
		"1e3":                 "'1e3'",
		"0x1F":                "'0x1F'",
		"1_000":               "'1_000'",
		"true":                "'true'",
		"yes":                 "'yes'",
		"null":                "'null'",
		"~":                   "'~'",
		"2020-01-01":          "'2020-01-01'",
		"None":                "None",
		"--alpha":             "--alpha",
		"- x":                 "'- x'",
		"a: b":                "'a: b'",
		"a #b":                "'a #b'",
		"a#b":                 "a#b",
		"#x":                  "'#x'",
		"it's":                "it's",
		"'q'":                 "'''q'''",
		" lead":               "' lead'",
		"$file":               "$file",
		"2g":                  "2g",
		"line\nbreak":         `"line\nbreak"`,
		"k:v":                 "k:v",
		"mcr.io/a:1.0":        "mcr.io/a:1.0",
		"https://x.y/z?a=b":   "https://x.y/z?a=b",
		"*alias":              "'*alias'",
		"Azure ML Experiment": "Azure ML Experiment",
	}
	for in, want := range cases {
		assert.Equal(t, want, yamlString(in), "%q", in)
		// Whatever we write reads back as the same string.
		var back map[string]string
		require.NoError(t, yaml.Unmarshal([]byte("k: "+yamlString(in)+"\n"), &back), in)
		assert.Equal(t, in, back["k"], "%q", in)
	}
}

func TestYAMLLayout(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeYAML(&b, omap{
		{"a", []any{"x", omap{{"g", "1"}, {"h", 2}}, []any{}}},
		{"m", omap{{"n", nil}, {"e", omap{}}, {"f", 0.5}}},
	}, 0))
	assert.Equal(t, "a:\n- x\n- g: '1'\n  h: 2\n- []\nm:\n  n:\n  e: {}\n  f: 0.5\n", b.String())
}

func TestPythonJSONFormatting(t *testing.T) {
	assert.Equal(t, `"a\"b\\c\n\u00e9\ud83d\ude00/"`, pyJSONString("a\"b\\c\né😀/"))
	assert.Equal(t, "1.0", pyFloat(1, true))
	assert.Equal(t, "0.5", pyFloat(0.5, true))
	assert.Equal(t, "1e-05", pyFloat(0.00001, true))
	assert.Equal(t, "1e+16", pyFloat(1e16, true))
	assert.Equal(t, "123456789012345.0", pyFloat(123456789012345, true))
	assert.Equal(t, "Infinity", pyFloat(math.Inf(1), true))
	var b bytes.Buffer
	require.NoError(t, writePyJSON(&b, omap{{"a", []any{}}, {"b", omap{}}, {"c", []any{1, nil, true}}}, 0))
	assert.Equal(t, "{\n    \"a\": [],\n    \"b\": {},\n    \"c\": [\n        1,\n        null,\n        true\n    ]\n}", b.String())
}
