package codeasset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oracleTrees is how many random trees TestContentHashOracle compares.
const oracleTrees = 300

// namePool mixes case variants, non-ASCII letters (including the ones whose Python lowercase
// is not Go's simple mapping), separators that sort around '/' and '.', and ordinary names.
var namePool = []string{
	"a", "A", "b", "B", "data.csv", "Data.csv", "DATA.CSV", "src", "Src", "SRC", "train.py", "Train.py",
	"a.b", "a-b", "a_b", "a b", "a+b", "a#b", "a%20b", "a~", "0", "10", "9", ".hidden", "x.tar.gz",
	"\u00e9t\u00e9", "\u00c9t\u00e9", "\u00c9T\u00c9", "stra\u00dfe", "STRASSE", "\u1e9e",
	"\u0391\u03a3", "\u03b1\u03c2", "\u03b1\u03c3", "\u039f\u0394\u039f\u03a3.txt", "\u03a3\u03a3",
	"\u0130", "i\u0307", "i", "I", "\u0131", "\u01c4", "\u01c5", "\u01c6", "\u212a", "k", "K",
	"\u65e5\u672c\u8a9e", "\U0001f389", "\u0410\u0411\u0412", "\u0430\u0431\u0432", "\u10a0", "\u2d00",
}

// randomTree writes a seeded random tree below dir: nested directories, case collisions,
// Unicode names, empty files and sizes up to 100 KiB, and in some trees symlinks to files and
// to directories. It returns the number of files azure-ai-ml will see.
func randomTree(t testing.TB, rng *rand.Rand, dir string) {
	t.Helper()
	nfiles := 1 + rng.IntN(25)
	var dirs = []string{""}
	for range rng.IntN(6) {
		parent := dirs[rng.IntN(len(dirs))]
		d := path2(parent, namePool[rng.IntN(len(namePool))]+"d")
		dirs = append(dirs, d)
	}
	made := map[string]bool{}
	for range nfiles {
		d := dirs[rng.IntN(len(dirs))]
		name := namePool[rng.IntN(len(namePool))]
		if rng.IntN(3) == 0 {
			name += strconv.Itoa(rng.IntN(3))
		}
		p := path2(d, name)
		if d == "" && (name == ".gitignore" || name == ".amlignore") || made[p] {
			continue
		}
		made[p] = true
		var size int
		switch r := rng.IntN(10); {
		case r < 2:
			size = 0
		case r < 8:
			size = 1 + rng.IntN(1024)
		default:
			size = rng.IntN(100<<10 + 1)
		}
		content := make([]byte, size)
		for i := range content {
			content[i] = byte(rng.Uint32())
		}
		writeTree(t, dir, map[string][]byte{p: content})
	}
	for _, d := range dirs[1:] {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755))
	}
	if rng.IntN(8) == 0 && len(made) > 0 {
		var targets []string
		for p := range made {
			targets = append(targets, p)
		}
		slices.Sort(targets)
		target := targets[rng.IntN(len(targets))]
		_ = os.Symlink(filepath.FromSlash(target), filepath.Join(dir, "link-to-file"))
		if len(dirs) > 1 {
			_ = os.Symlink(filepath.FromSlash(dirs[1]), filepath.Join(dir, "link-to-dir"))
		}
	}
}

func path2(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// TestContentHashOracle compares ContentHash over FromSnapshot with azure-ai-ml's
// get_content_hash of the same directories.
func TestContentHashOracle(t *testing.T) {
	python := testenv.AzureAIMLPython(t)
	rng := rand.New(rand.NewPCG(2022, 8))
	root := t.TempDir()
	var dirs []string
	for i := range oracleTrees {
		d := filepath.Join(root, fmt.Sprintf("tree%03d", i))
		require.NoError(t, os.MkdirAll(d, 0o755))
		randomTree(t, rng, d)
		dirs = append(dirs, d)
	}
	var answers []struct {
		Hash  string
		Order []string
	}
	testenv.RunOracle(t, python, "testdata/oracle_hash.py", map[string]any{"dirs": dirs}, &answers)
	require.Len(t, answers, len(dirs))

	exact, tieOrder, files, collisions := 0, 0, 0, 0
	for i, d := range dirs {
		fs := diskFiles(t, d)
		files += len(fs)
		got, err := ContentHash(t.Context(), fs)
		require.NoError(t, err)
		want := answers[i]
		require.ElementsMatch(t, want.Order, paths(fs), "%s: the file lists differ", d)
		if hasCaseVariants(want.Order) {
			collisions++
		}
		if got == want.Hash {
			exact++
			continue
		}
		// Paths equal after lowering are in os.walk's order in Python and in byte order here;
		// anything else is a bug. Hashing in Python's order must then give Python's hash.
		for j := 1; j < len(want.Order); j++ {
			require.LessOrEqual(t, pythonLower(want.Order[j-1]), pythonLower(want.Order[j]),
				"%s: Python's order differs beyond ties: %q", d, want.Order)
		}
		index := map[string]int{}
		for k, f := range fs {
			index[f.Path] = k
		}
		var order []int
		for _, p := range want.Order {
			order = append(order, index[p])
		}
		inPythonsOrder, err := hashInOrder(t.Context(), fs, order)
		require.NoError(t, err)
		require.Equal(t, want.Hash, inPythonsOrder, "%s: hash differs from azure-ai-ml's", d)
		tieOrder++
	}
	t.Logf("azure-ai-ml %s: %d of %d trees (%d files, %d with case variants) hash alike; "+
		"%d differ only in the order of case variants, which Python takes from the file system",
		testenv.AzureAIMLVersion, exact, len(dirs), files, collisions, tieOrder)
	assert.Equal(t, len(dirs), exact+tieOrder)
	assert.Greater(t, exact, len(dirs)*3/4)
}

func hasCaseVariants(paths []string) bool {
	seen := map[string]bool{}
	for _, p := range paths {
		k := pythonLower(p)
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// TestPythonLowerOracle compares pythonLower with str.lower() of the interpreter azure-ai-ml
// runs in, for every code point, and the Final_Sigma context's view of every code point.
// Differences are allowed only for characters that Python's Unicode tables do not have yet
// (Go's may be newer).
func TestPythonLowerOracle(t *testing.T) {
	python := testenv.AzureAIMLPython(t)
	var ans struct {
		Unicode           string
		Lower             map[string]string
		CasedNotIgnorable []rune
		CasedOrIgnorable  []rune
		Unassigned        [][2]rune
	}
	testenv.RunOracle(t, python, "testdata/oracle_lower.py", nil, &ans)
	unassigned := func(r rune) bool {
		for _, rg := range ans.Unassigned {
			if rg[0] <= r && r <= rg[1] {
				return true
			}
		}
		return false
	}
	inSet := func(set []rune) map[rune]bool {
		m := map[rune]bool{}
		for _, r := range set {
			m[r] = true
		}
		return m
	}
	notIgn, orIgn := inSet(ans.CasedNotIgnorable), inSet(ans.CasedOrIgnorable)
	var lowerDiffs, contextDiffs []string
	allowed := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		want, ok := ans.Lower[strconv.Itoa(int(r))]
		if !ok {
			want = string(r)
		}
		if got := pythonLower(string(r)); got != want {
			if unassigned(r) {
				allowed++
			} else {
				lowerDiffs = append(lowerDiffs, fmt.Sprintf("%U: %q, Python %q", r, got, want))
			}
		}
		ign := caseIgnorable(r)
		if (cased(r) && !ign) != notIgn[r] || (cased(r) || ign) != orIgn[r] {
			if unassigned(r) {
				allowed++
			} else {
				contextDiffs = append(contextDiffs, fmt.Sprintf("%U", r))
			}
		}
	}
	t.Logf("Python's Unicode %s, Go's %s: %d differences, all in characters Python does not know yet",
		ans.Unicode, unicode.Version, allowed)
	assert.Empty(t, lowerDiffs, "lowercase mappings")
	assert.Empty(t, contextDiffs, "cased/case-ignorable (Final_Sigma): %s", strings.Join(contextDiffs, " "))
}
