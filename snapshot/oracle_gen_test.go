package snapshot

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Generators of differential cases for oracle_live_test.go: ignore files, paths, and
// directory trees, all drawn from a seeded PCG.

// genNames are file and directory names: the usual project clutter plus the characters
// gitwildmatch treats specially, spaces, non-ASCII and a newline.
var genNames = []string{"a", "b", "c", "ab", "x.py", "train.py", "data", "logs", "outputs", ".git",
	".ipynb_checkpoints", "docs", "sub", "model.pkl", "a.txt", "B.TXT", "env.yml", ".amlignore", ".gitignore",
	"#x", "!y", "[z]", "a b", "tail ", "ünï", "é", "a*", "q?", "back\\slash", "new\nline", "-", ".hidden", "x.pyc"}

// genPatternAtoms build random patterns; most come from names so they match something.
var genPatternAtoms = []string{"*", "**", "?", "/", "[a-c]", "[!a]", "[^x]", "\\", "!", "#", " ", ".", "x", "a", "b"}

var genHandPatterns = []string{"outputs", "/outputs", "outputs/", "logs/", "*.pyc", "**/foo", "data/**", "a/**/b",
	"**", "*", "/*", "!/sub", "!*.py", "*.py", "!train.py", "docs", ".git", ".*", "!.amlignore", "**/.ipynb_checkpoints",
	"*.[Tt][Xx][Tt]", "sub/", "/sub/*", "!sub/a", "a?", "[!a-c]*", "\\#x", "\\!y", "\\[z]", "tail\\ ", "tail ",
	"a b", "ünï", "é*", "*/b", "**/a/**", "a/*/c", "new*", "#comment", "", "  ", "/", "x[", "[z-a]", "a\\"}

func genPattern(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return pick(r, genHandPatterns)
	case 1:
		var b strings.Builder
		for range r.IntN(6) + 1 {
			b.WriteString(pick(r, genPatternAtoms))
		}
		return b.String()
	}
	// From names: anchored or not, a directory or a glob over an extension.
	var parts []string
	for range r.IntN(3) + 1 {
		n := pick(r, genNames)
		if r.IntN(5) == 0 {
			first, rest := string([]rune(n)[0]), string([]rune(n)[1:])
			n = pick(r, []string{"*", "?", "[" + first + "]"}) + rest
		}
		parts = append(parts, n)
	}
	p := strings.Join(parts, "/")
	switch r.IntN(8) {
	case 0:
		p = "/" + p
	case 1:
		p += "/"
	case 2:
		p = "**/" + p
	case 3:
		p += "/**"
	}
	if r.IntN(4) == 0 {
		p = "!" + p
	}
	return p
}

func genIgnoreText(r *rand.Rand) string {
	var lines []string
	for range r.IntN(6) + 1 {
		lines = append(lines, genPattern(r))
	}
	eol := pick(r, []string{"\n", "\n", "\n", "\r\n", "\r"})
	text := strings.Join(lines, eol)
	if r.IntN(4) != 0 {
		text += eol
	}
	return text
}

// genPath is a clean relative path as a walk produces it (no empty, "." or ".." parts).
func genPath(r *rand.Rand) string {
	parts := make([]string, r.IntN(4)+1)
	for i := range parts {
		parts[i] = pick(r, genNames)
	}
	return strings.Join(parts, "/")
}

type ignoreCase struct {
	Text  string   `json:"text"`
	Paths []string `json:"paths"`
}

func genIgnoreCases(seed uint64, n int) []ignoreCase {
	r := rand.New(rand.NewPCG(seed, 0x69676e))
	cases := make([]ignoreCase, n)
	for i := range cases {
		c := ignoreCase{Text: genIgnoreText(r)}
		seen := map[string]bool{}
		for range 40 {
			if p := genPath(r); !seen[p] {
				seen[p] = true
				c.Paths = append(c.Paths, p)
			}
		}
		cases[i] = c
	}
	return cases
}

// genTree is a directory tree as writeTree takes it: up to three levels of files and
// directories (some empty), symlinks to files inside the tree, and an .amlignore, a
// .gitignore, both, an empty .amlignore, or neither. For a tree that is to meet a size
// limit (sized) there are no symlinks and no names with a newline (see
// TestOracleLiveSnapshotTrees).
func genTree(r *rand.Rand, sized bool) map[string]string {
	names := genNames
	if sized {
		names = slices.DeleteFunc(slices.Clone(genNames), func(n string) bool { return strings.Contains(n, "\n") })
	}
	tree := map[string]string{}
	var files []string
	var fill func(prefix string, depth int)
	fill = func(prefix string, depth int) {
		n := r.IntN(6) + 1
		if depth == 0 {
			n += 3
		}
		used := map[string]bool{}
		for range n {
			name := pick(r, names)
			if used[name] || name == ".amlignore" || name == ".gitignore" {
				continue
			}
			used[name] = true
			switch k := r.IntN(10); {
			case k < 3 && depth < 3:
				fill(prefix+name+"/", depth+1)
			case k == 3:
				tree[prefix+name+"/"] = ""
			default:
				tree[prefix+name] = strings.Repeat("x", r.IntN(300))
				files = append(files, prefix+name)
			}
		}
	}
	fill("", 0)
	// Symlinks to regular files of the tree (both sides include them; a symlink to a
	// directory is a deliberate difference, see TestOracleLiveSnapshotTrees).
	for range r.IntN(3) {
		if len(files) == 0 || sized {
			break
		}
		target := pick(r, files)
		name := "link" + fmt.Sprint(r.IntN(100))
		if _, taken := tree[name]; !taken {
			tree[name] = "->" + target
		}
	}
	switch r.IntN(6) {
	case 0, 1:
		tree[".amlignore"] = genIgnoreText(r)
	case 2:
		tree[".gitignore"] = genIgnoreText(r)
	case 3:
		tree[".amlignore"] = genIgnoreText(r)
		tree[".gitignore"] = genIgnoreText(r)
	case 4:
		tree[".amlignore"] = ""
		tree[".gitignore"] = genIgnoreText(r)
	}
	return tree
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }
