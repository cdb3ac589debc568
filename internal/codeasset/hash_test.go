package codeasset

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors computed with the real azure-ai-ml 1.35.2 (.ci/azure-ai-ml-requirements.txt):
// get_content_hash(dir, IgnoreFile()) over directories holding exactly these files, and the
// order sorted(get_upload_files_from_folder(dir), key=lambda x: x[1].lower()) gives.
var hashVectors = []struct {
	name  string
	files map[string]string
	hash  string
	order []string
}{
	{"empty directory", map[string]string{},
		"5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9", nil},
	{"one file", map[string]string{"a.txt": "hello"},
		"cd5dc709d3513658b5c5bfd395ebf3e699dbbe6d07683c38a3d1fe6ae12e4983", []string{"a.txt"}},
	{"case-insensitive order", map[string]string{"b.txt": "B", "A/x.py": "print(1)\n", "a.txt": "", "Z.md": "z"},
		"872f0c954228f828989f6e397f32d7f355a5da2c32b2e382d96032f20f3b83be",
		[]string{"a.txt", "A/x.py", "b.txt", "Z.md"}},
	{"unicode", map[string]string{"\u00c9clair.txt": "e1", "\u00e9a.txt": "e2", "\u0391\u03a3": "sigma-final",
		"\u0391\u03a3.txt": "sigma-dot", "\u0130.txt": "I-dot", "i.txt": "i", "j.txt": "j", "\u03a3/\u039f\u03a3\u0301": "x"},
		"da4a5f051ce7c89920ec84a13433a5be1b469d491ec37890cacf7aa20bb75b9e",
		[]string{"i.txt", "\u0130.txt", "j.txt", "\u00e9a.txt", "\u00c9clair.txt", "\u0391\u03a3", "\u0391\u03a3.txt", "\u03a3/\u039f\u03a3\u0301"}},
	// Where Python's full lowercase mapping changes the order: "ΑΣ" lowers to "ας" (final
	// sigma, U+03C2) and sorts before "ας1"; "İ" lowers to "i\u0307" and sorts after "i\u0300x".
	{"full case mapping", map[string]string{"\u0391\u03a3": "1", "\u03b1\u03c21": "2", "\u0130": "3", "i\u0300x": "4"},
		"21b310687f1f0b78d4e484c8f87b6dc07a38a3ea1c3160a9130ddfd098ae10f6",
		[]string{"i\u0300x", "\u0130", "\u0391\u03a3", "\u03b1\u03c21"}},
	{"nested", map[string]string{"d/e/f/g.bin": strings.Repeat(string(byteRange()), 5), "d/e.txt": "e", "d-e.txt": "de", "d.txt": "", "D0/x": "0"},
		"23cdabdd62204f309a6e7b2916161252e444cb2e056fa622431ba2bb30041225",
		[]string{"d-e.txt", "d.txt", "d/e.txt", "d/e/f/g.bin", "D0/x"}},
}

func byteRange() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestContentHashMatchesAzureAIMLVectors(t *testing.T) {
	for _, v := range hashVectors {
		t.Run(v.name, func(t *testing.T) {
			files := memFiles(v.files)
			got, err := ContentHash(t.Context(), files)
			require.NoError(t, err)
			assert.Equal(t, v.hash, got)
			order, err := hashOrder(files)
			require.NoError(t, err)
			var names []string
			for _, i := range order {
				names = append(names, files[i].Path)
			}
			assert.Equal(t, v.order, names)
		})
	}
}

func TestContentHashDoesNotDependOnInputOrderOrReader(t *testing.T) {
	v := hashVectors[3]
	files := memFiles(v.files)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10 {
		shuffled := append([]File(nil), files...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for i := range shuffled {
			if rng.IntN(2) == 0 {
				shuffled[i] = streamOnly(shuffled[i])
			}
		}
		got, err := ContentHash(t.Context(), shuffled)
		require.NoError(t, err)
		require.Equal(t, v.hash, got)
	}
	assert.Equal(t, v.files, func() map[string]string { // inputs untouched
		m := map[string]string{}
		for _, f := range files {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			m[f.Path] = string(b)
		}
		return m
	}())
}

func TestContentHashCaseVariantsOrderedByBytes(t *testing.T) {
	// Python keeps os.walk's (file system) order for paths equal after lowering; amlgo orders
	// them by their bytes, so the hash is the same on every machine.
	files := memFiles(map[string]string{"a.txt": "lower", "A.txt": "upper", "B/x": "1", "b/x": "2"})
	order, err := hashOrder(files)
	require.NoError(t, err)
	var names []string
	for _, i := range order {
		names = append(names, files[i].Path)
	}
	assert.Equal(t, []string{"A.txt", "a.txt", "B/x", "b/x"}, names)
}

func TestContentHashEmptyFilesCount(t *testing.T) {
	one, err := ContentHash(t.Context(), memFiles(map[string]string{"a": ""}))
	require.NoError(t, err)
	two, err := ContentHash(t.Context(), memFiles(map[string]string{"a": "", "b": ""}))
	require.NoError(t, err)
	none, err := ContentHash(t.Context(), nil)
	require.NoError(t, err)
	assert.Equal(t, hashVectors[0].hash, none)
	assert.NotEqual(t, one, two)
	assert.NotEqual(t, one, none)
	// Size and name are framed: "a" holding "b#" is not "a" and "b" (the collision the
	// count and the "#" separators exist to prevent).
	x, err := ContentHash(t.Context(), memFiles(map[string]string{"a.txt": "ab.txtb"}))
	require.NoError(t, err)
	y, err := ContentHash(t.Context(), memFiles(map[string]string{"a.txt": "a", "b.txt": "b"}))
	require.NoError(t, err)
	assert.NotEqual(t, x, y)
}

func TestPythonLower(t *testing.T) {
	for in, want := range map[string]string{
		"abc/def.py":         "abc/def.py",
		"ABC/Def.PY":         "abc/def.py",
		"\u00c9T\u00c9":      "\u00e9t\u00e9",
		"\u0130":             "i\u0307",
		"\u0391\u03a3":       "\u03b1\u03c2",       // final
		"\u0391\u03a3.":      "\u03b1\u03c2.",      // '.' is case-ignorable, nothing cased follows
		"\u0391\u03a3.a":     "\u03b1\u03c3.a",     // a cased letter follows the ignorable '.'
		"\u03a3":             "\u03c3",             // nothing cased before
		"\u0391\u0301\u03a3": "\u03b1\u0301\u03c2", // a combining mark before is skipped
		"\u0391\u03a3/x":     "\u03b1\u03c2/x",     // '/' ends the word
		"\u1e9e":             "\u00df",             // capital sharp s
		"\u212a":             "k",                  // Kelvin sign
	} {
		assert.Equal(t, want, pythonLower(in), "%q", in)
	}
}

func TestContentHashRejectsBadInput(t *testing.T) {
	ok := memFile("ok.txt", "x")
	for name, files := range map[string][]File{
		"empty path":     {memFile("", "x")},
		"absolute":       {memFile("/etc/passwd", "x")},
		"dot dot":        {memFile("a/../b", "x")},
		"dot":            {memFile("./a", "x")},
		"empty segment":  {memFile("a//b", "x")},
		"trailing slash": {memFile("a/", "x")},
		"invalid UTF-8":  {memFile("a\xff", "x")},
		"duplicate":      {ok, ok},
		"negative size":  {{Path: "n", Size: -1, Open: ok.Open}},
		"no Open":        {{Path: "n", Size: 1}},
	} {
		_, err := ContentHash(t.Context(), files)
		assert.Error(t, err, name)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "codeasset: "), err.Error())
		}
	}
}

func TestContentHashReadErrorsNameTheFile(t *testing.T) {
	boom := errors.New("disk on fire")
	bad := File{Path: "src/bad.py", Size: 3, Open: func() (io.ReadCloser, error) { return nil, boom }}
	_, err := ContentHash(t.Context(), []File{memFile("a", "1"), bad})
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), `"src/bad.py"`)

	short := memFile("short.txt", "abc")
	short.Size = 4
	_, err = ContentHash(t.Context(), []File{short})
	require.ErrorIs(t, err, ErrChanged)
	assert.Contains(t, err.Error(), `"short.txt"`)
	assert.Contains(t, err.Error(), "3 bytes instead of 4")

	long := memFile("long.txt", "abcdef")
	long.Size = 2
	_, err = ContentHash(t.Context(), []File{streamOnly(long)})
	require.ErrorIs(t, err, ErrChanged)
	assert.Contains(t, err.Error(), "more than 2 bytes")
}

func TestContentHashStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := ContentHash(ctx, memFiles(map[string]string{"a": "1"}))
	require.ErrorIs(t, err, context.Canceled)
}
