package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standardTree is a project with the usual clutter.
var standardTree = map[string]string{
	"train.py":                "print('hi')\n",
	"data/x.csv":              "1,2\n",
	".git/config":             "[core]\n",
	".git/HEAD":               "ref\n",
	"outputs/model.pkl":       "pkl",
	"outputs/metrics.json":    "{}",
	"logs/l.txt":              "log",
	"logs/m.txt":              "log",
	"sub/.gitignore":          "*.py\n",
	"sub/mod.py":              "x = 1\n",
	"docs/index.md":           "# docs\n",
	".ipynb_checkpoints/a":    "a",
	"nb/.ipynb_checkpoints/b": "b",
	"env.yml":                 "name: x\n",
	"sub/env.yml":             "name: y\n",
}

func takeWithIgnore(t *testing.T, tree map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, tree)
	return paths(take(t, dir, nil))
}

func TestNoIgnoreFileIncludesEverything(t *testing.T) {
	got := takeWithIgnore(t, standardTree)
	for _, want := range []string{".git/", ".git/config", "outputs/", "outputs/model.pkl", "logs/l.txt",
		".ipynb_checkpoints/a", "docs/index.md", "sub/.gitignore", "sub/mod.py"} {
		assert.Contains(t, got, want, "no implicit excludes")
	}
}

func TestAmlignoreReplacesGitignore(t *testing.T) {
	tree := clone(standardTree)
	tree[".gitignore"] = "*.csv\n"
	tree[".amlignore"] = "outputs\n"
	got := takeWithIgnore(t, tree)
	assert.NotContains(t, got, "outputs/")
	assert.Contains(t, got, "data/x.csv", ".gitignore must not be merged in")
	assert.Contains(t, got, ".gitignore")
	assert.Contains(t, got, ".amlignore")
}

func TestEmptyAmlignoreStillReplacesGitignore(t *testing.T) {
	tree := clone(standardTree)
	tree[".gitignore"] = "*.csv\n.git\n"
	tree[".amlignore"] = ""
	dir := t.TempDir()
	writeTree(t, dir, tree)
	s := take(t, dir, nil)
	assert.Equal(t, AmlIgnoreFile, s.IgnoreFile)
	assert.Contains(t, paths(s), "data/x.csv")
	assert.Contains(t, paths(s), ".git/config")
}

func TestGitignoreUsedWhenNoAmlignore(t *testing.T) {
	tree := clone(standardTree)
	tree[".gitignore"] = "*.csv\n.git\n"
	dir := t.TempDir()
	writeTree(t, dir, tree)
	s := take(t, dir, nil)
	assert.Equal(t, GitIgnoreFile, s.IgnoreFile)
	assert.NotContains(t, paths(s), "data/x.csv")
	assert.NotContains(t, paths(s), ".git/")
	assert.Contains(t, paths(s), "data/", "the directory stays even when all its files are ignored")
}

func TestNestedGitignoreNotHonoured(t *testing.T) {
	got := takeWithIgnore(t, standardTree) // sub/.gitignore says *.py
	assert.Contains(t, got, "sub/mod.py")
	assert.Contains(t, got, "train.py")
}

func TestNegationLastMatchWins(t *testing.T) {
	tree := map[string]string{"a.txt": "", "b.txt": "", "c.txt": "", ".amlignore": "*.txt\n!a.txt\n!b.txt\nb.txt\n"}
	got := takeWithIgnore(t, tree)
	assert.Equal(t, []string{".amlignore", "a.txt"}, got)
}

func TestAnchoredLeadingSlash(t *testing.T) {
	tree := map[string]string{"build/x": "", "src/build/y": "", ".amlignore": "/build\n"}
	got := takeWithIgnore(t, tree)
	assert.NotContains(t, got, "build/")
	assert.Contains(t, got, "src/build/y")

	tree = map[string]string{"build/x": "", "src/build/y": "", ".amlignore": "build\n"}
	got = takeWithIgnore(t, tree)
	assert.NotContains(t, got, "build/")
	assert.NotContains(t, got, "src/build/", "unanchored patterns match at any depth")

	tree = map[string]string{"a/b/c": "", "x/a/b/c": "", ".amlignore": "a/b\n"}
	got = takeWithIgnore(t, tree)
	assert.NotContains(t, got, "a/b/")
	assert.Contains(t, got, "x/a/b/c", "a pattern with a slash is anchored")
}

func TestDoubleStar(t *testing.T) {
	tree := map[string]string{
		"a/b": "", "a/x/b": "", "a/x/y/b": "", "a/c": "",
		"deep/1/2/3.pyc": "", "top.pyc": "", "keep/me": "",
		".amlignore": "a/**/b\n**/*.pyc\nkeep/**\n!keep/me\n",
	}
	got := takeWithIgnore(t, tree)
	assert.NotContains(t, got, "a/b")
	assert.NotContains(t, got, "a/x/b")
	assert.NotContains(t, got, "a/x/y/b")
	assert.Contains(t, got, "a/c")
	assert.NotContains(t, got, "deep/1/2/3.pyc")
	assert.NotContains(t, got, "top.pyc")
	assert.Contains(t, got, "keep/", "keep/** does not match the directory path itself")
	assert.Contains(t, got, "keep/me")
}

// TestDirectoryOnlyPatternDescends is the roundtrip README's subtlety: "logs/"
// does not match the directory path "logs" (tested without a trailing
// slash), so the walk descends and "!logs/l.txt" re-includes the file.
func TestDirectoryOnlyPatternDescends(t *testing.T) {
	tree := map[string]string{"logs/l.txt": "", "logs/m.txt": "", "logs/sub/n.txt": "", "x/logs": "file", ".amlignore": "logs/\n!logs/l.txt\n"}
	got := takeWithIgnore(t, tree)
	assert.Contains(t, got, "logs/")
	assert.Contains(t, got, "logs/l.txt")
	assert.NotContains(t, got, "logs/m.txt")
	assert.NotContains(t, got, "logs/sub/", "logs/sub matches logs/ (everything below logs) and is pruned")
	assert.Contains(t, got, "x/logs", "a file named logs is not matched by logs/")
}

// TestBareDirectoryPatternPrunes: "outputs" matches the directory, the walk
// prunes it, and "!outputs/model.pkl" cannot bring the file back.
func TestBareDirectoryPatternPrunes(t *testing.T) {
	tree := map[string]string{"outputs/model.pkl": "", "outputs/other": "", "train.py": "", ".amlignore": "outputs\n!outputs/model.pkl\n"}
	got := takeWithIgnore(t, tree)
	assert.Equal(t, []string{".amlignore", "train.py"}, got)
}

func TestEscapedHashAndBang(t *testing.T) {
	tree := map[string]string{"#notes": "", "!important": "", "plain": "", ".amlignore": "\\#notes\n\\!important\n#plain\n"}
	got := takeWithIgnore(t, tree)
	assert.Equal(t, []string{".amlignore", "plain"}, got)
}

func TestTrailingSpacesStripped(t *testing.T) {
	tree := map[string]string{"a.txt": "", "b.txt": "", ".amlignore": "a.txt   \n\t b.txt\t\n"}
	got := takeWithIgnore(t, tree)
	assert.Equal(t, []string{".amlignore"}, got, "pathspec 0.11.1 strips both ends")
}

func TestQuestionMarkAndClasses(t *testing.T) {
	tree := map[string]string{
		"a1.log": "", "a12.log": "", "b.dat": "", "c.dat": "", "z.dat": "", "x.TXT": "",
		".amlignore": "a?.log\n[a-c].dat\n*.[Tt][Xx][Tt]\n",
	}
	got := takeWithIgnore(t, tree)
	assert.Equal(t, []string{".amlignore", "a12.log", "z.dat"}, got)

	tree = map[string]string{"a.dat": "", "q.dat": "", ".amlignore": "[!a].dat\n"}
	got = takeWithIgnore(t, tree)
	assert.Equal(t, []string{".amlignore", "a.dat"}, got)

	// pathspec 0.11.1 reads "[^a]" as the set {^, a}, not a negation.
	tree = map[string]string{"a.dat": "", "q.dat": "", "^.dat": "", ".amlignore": "[^a].dat\n"}
	got = takeWithIgnore(t, tree)
	assert.Equal(t, []string{".amlignore", "q.dat"}, got)
}

func TestIgnoreFileIncludedUnlessItIgnoresItself(t *testing.T) {
	got := takeWithIgnore(t, map[string]string{"a": "", ".amlignore": "b\n"})
	assert.Contains(t, got, ".amlignore")
	got = takeWithIgnore(t, map[string]string{"a": "", ".amlignore": ".amlignore\n"})
	assert.Equal(t, []string{"a"}, got)
	got = takeWithIgnore(t, map[string]string{"a": "", ".gitignore": ".*\n"})
	assert.Equal(t, []string{"a"}, got)
}

func TestEmptyDirectoriesStay(t *testing.T) {
	got := takeWithIgnore(t, map[string]string{"empty/": "", "deep/er/": "", "ign/x.tmp": "", ".amlignore": "*.tmp\n"})
	assert.Equal(t, []string{".amlignore", "deep/", "deep/er/", "empty/", "ign/"}, got)
}

func TestInvalidPatternFailsTake(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "", ".amlignore": "ok\nbad\\\n"})
	_, err := Take(t.Context(), dir, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrInvalidPattern))
	var pe *PatternError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, 2, pe.Line)
	assert.True(t, strings.HasPrefix(err.Error(), "snapshot: "))

	for _, bad := range []string{"!\n", "[z-a]\n", "x\\\n", "foo\\ \n"} {
		_, err := ParseIgnore([]byte(bad))
		assert.ErrorIs(t, err, ErrInvalidPattern, "%q", bad)
	}
	_, err = ParseIgnore([]byte{0xff, '\n'})
	assert.ErrorIs(t, err, ErrInvalidPattern, "not UTF-8")
}

func TestUniversalNewlines(t *testing.T) {
	m, err := ParseIgnore([]byte("a\r\nb\rc\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, m.Patterns())
}

func TestMatcherNilAndNormalisation(t *testing.T) {
	var m *IgnoreMatcher
	assert.False(t, m.Match("x"))
	assert.Equal(t, "", m.Source())
	m, err := ParseIgnore([]byte("/x\n"))
	require.NoError(t, err)
	assert.True(t, m.Match("x"))
	assert.True(t, m.Match("/x"), "a leading slash is removed as pathspec does")
	assert.True(t, m.Match("./x"))
	assert.False(t, m.Match("y/x"))
}

// TestCorpusAmlignoreFiles applies each real-world .amlignore of the corpus
// to a project holding the paths the file talks about.
func TestCorpusAmlignoreFiles(t *testing.T) {
	shared := testenv.SharedDir(t)
	files, err := filepath.Glob(filepath.Join(shared, "corpus", "amlignore", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	defaults := []string{".ipynb_checkpoints/", "azureml-logs/", ".azureml/", ".git/", "outputs/", "azureml-setup/", "docs/"}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			tree := clone(standardTree)
			tree[".amlignore"] = string(data)
			tree["azureml-logs/70_driver_log.txt"] = ""
			tree[".azureml/config.json"] = "{}"
			tree["azureml-setup/x"] = ""
			tree["dummy.txt"] = ""
			tree["sub/dummy_dir/x"] = ""
			tree["conda_dependencies.yml"] = ""
			got := takeWithIgnore(t, tree)
			sort.Strings(got)
			assert.Contains(t, got, ".amlignore")
			assert.Contains(t, got, "train.py")
			assert.Contains(t, got, "logs/l.txt", "logs is not in the default patterns")
			name := filepath.Base(file)
			switch {
			case strings.Contains(name, "MLOpsPython"):
				// Comments plus "*.yml".
				assert.NotContains(t, got, "env.yml")
				assert.NotContains(t, got, "sub/env.yml")
				assert.NotContains(t, got, "conda_dependencies.yml")
				assert.Contains(t, got, ".git/config", "this file keeps .git")
				assert.Contains(t, got, "outputs/model.pkl")
			default:
				for _, d := range defaults {
					assert.NotContains(t, got, d, "the default patterns prune %s", d)
				}
				assert.NotContains(t, got, "nb/.ipynb_checkpoints/", "unanchored: pruned at any depth")
				assert.Contains(t, got, "env.yml")
				if strings.Contains(name, "konabuta") {
					// "dummy*" without a final newline.
					assert.NotContains(t, got, "dummy.txt")
					assert.NotContains(t, got, "sub/dummy_dir/")
				} else {
					assert.Contains(t, got, "dummy.txt")
				}
			}
		})
	}
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
