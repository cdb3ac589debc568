package armfake

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSemanticDiff(t *testing.T) {
	same := [][2]string{
		{`{"a":1,"b":null}`, `{"a":1.0}`},
		{`{"d":"PT5M"}`, `{"d":"PT300S"}`},
		{`{"t":"2021-04-01T22:00:00.0000000+00:00"}`, `{"t":"2021-04-01T22:00:00Z"}`},
		{`[{"x":[1,2]}]`, `[{"x":[1,2]}]`},
	}
	for _, c := range same {
		assert.Empty(t, SemanticDiff([]byte(c[0]), []byte(c[1])), c)
	}
	differ := [][2]string{
		{`{"a":1}`, `{"a":2}`},
		{`{"a":1}`, `{}`},
		{`{}`, `{"extra":true}`},
		{`{"d":"PT5M"}`, `{"d":"PT301S"}`},
		{`{"s":"x"}`, `{"s":"y"}`},
		{`[1]`, `[1,2]`},
		{`{"o":{}}`, `{"o":[]}`},
	}
	for _, c := range differ {
		assert.NotEmpty(t, SemanticDiff([]byte(c[0]), []byte(c[1])), c)
	}
	assert.NotEmpty(t, SemanticDiff([]byte(`{`), []byte(`{}`)))
}

func TestNewServerOutsideATest(t *testing.T) {
	s := NewServer()
	assert.NotEmpty(t, s.URL())
	s.Close()
	s.Close()
}

func TestDifferencesListsEvery(t *testing.T) {
	d := Differences([]byte(`{"a":1,"b":{"c":"x","d":[1,2]},"e":null}`), []byte(`{"a":2,"b":{"d":[1,3]},"f":true}`))
	assert.Equal(t, []string{
		"$.a: want 1, got 2",
		`$.b.c: want "x", got null`,
		"$.b.d[1]: want 2, got 3",
		"$.f: want absent/null, got true",
	}, d)
	assert.Empty(t, Differences([]byte(`{"d":"PT5M"}`), []byte(`{"d":"PT300S"}`)))
}
