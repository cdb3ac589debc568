package snapshot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// oracleCount is the default number of generated cases, or AMLGO_ORACLE_CASES.
func oracleCount(t *testing.T, def int) int {
	if s := os.Getenv("AMLGO_ORACLE_CASES"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "AMLGO_ORACLE_CASES")
		return n
	}
	return def
}

const oracleScript = "testdata/azureml_snapshot.py"

// TestOracleLiveIgnore compares ParseIgnore/Match with the ignore file of the real
// azureml-core (azureml/_project/ignore_file.py over its pinned pathspec) on generated
// ignore files and paths, called as the snapshot walk calls it.
func TestOracleLiveIgnore(t *testing.T) {
	python := testenv.AzureMLPython(t)
	cases := genIgnoreCases(20260602, oracleCount(t, 1500))
	var res struct {
		Pathspec string `json:"pathspec"`
		Ignore   []struct {
			Error string `json:"error"`
			M     string `json:"m"`
		} `json:"ignore"`
	}
	testenv.RunOracle(t, python, oracleScript, map[string]any{"ignore": cases}, &res)
	require.Len(t, res.Ignore, len(cases))
	paths, compileErrs := 0, 0
	for i, c := range cases {
		want := res.Ignore[i]
		m, err := ParseIgnore([]byte(c.Text))
		if want.Error != "" {
			compileErrs++
			if assert.Error(t, err, "ignore file %q: pathspec raises %s", c.Text, want.Error) {
				assert.ErrorIs(t, err, ErrInvalidPattern)
			}
			continue
		}
		if !assert.NoError(t, err, "ignore file %q", c.Text) {
			continue
		}
		for j, p := range c.Paths {
			paths++
			assert.Equal(t, want.M[j] == '1', m.Match(p), "ignore file %q on path %q", c.Text, p)
		}
	}
	t.Logf("pathspec %s: %d ignore files (%d do not compile), %d path checks", res.Pathspec, len(cases), compileErrs, paths)
}

type treeAnswer struct {
	Files []string `json:"files"`
	Dirs  []string `json:"dirs"`
	Added int      `json:"added"`
	Error string   `json:"error"`
}

// TestOracleLiveSnapshotTrees compares Take with what azureml-core's create_snapshot does
// on generated trees before it talks to the service: the size check, the files and
// directories of the Merkle tree it would upload, and the file-count check (limits drawn
// per case, set on both sides).
//
// Deliberate differences, kept out of the generated trees: a symlink to a directory (azureml
// follows it and uploads the content again, amlgo records the link); a symlink leaving the
// tree, a dangling one, or a special file (azureml follows or fails, amlgo skips them and
// lists them in Snapshot.Skipped). Symlinks to files are in the trees (both include them),
// except in the trees with a size limit: azureml uploads a symlinked file's content and
// counts its size, amlgo stores the link and counts nothing for it. Those trees also have
// no names with a newline: azureml's size check tests every file below an ignored
// directory against the patterns, and a pattern that ignores "d" fails to match "d/a\nb"
// (its regular expression's "(?:/.*)?$" stops at the newline), so azureml counts that file;
// amlgo walks ignored directories for the size only when a "!" pattern can re-include
// something below them, not to catch this regex quirk on names no project has.
func TestOracleLiveSnapshotTrees(t *testing.T) {
	python := testenv.AzureMLPython(t)
	t.Setenv(NoFileLimitEnv, "")
	n := oracleCount(t, 400)
	r := rand.New(rand.NewPCG(20260603, 0x74726565))
	base := t.TempDir()
	type treeCase struct {
		Dir      string `json:"dir"`
		MaxSize  int64  `json:"max_size"`
		MaxFiles int    `json:"max_files"`
	}
	cases := make([]treeCase, n)
	for i := range cases {
		dir := filepath.Join(base, fmt.Sprint(i))
		require.NoError(t, os.Mkdir(dir, 0o755))
		sizeLimit := r.IntN(4) == 0
		tree := genTree(r, sizeLimit)
		writeTree(t, dir, tree)
		size, files := int64(0), 0
		for _, v := range tree {
			size += int64(len(v))
			files++
		}
		c := treeCase{Dir: dir, MaxSize: 1 << 40, MaxFiles: 1 << 30}
		if sizeLimit { // around the size of the whole tree, so some cases hit it
			c.MaxSize = 1 + r.Int64N(size+1)
		}
		if r.IntN(4) == 0 {
			c.MaxFiles = 1 + r.IntN(files+1)
		}
		cases[i] = c
	}
	var res struct {
		Trees []treeAnswer `json:"trees"`
	}
	testenv.RunOracle(t, python, oracleScript, map[string]any{"trees": cases}, &res)
	require.Len(t, res.Trees, n)
	var files, dirs, limitErrs int
	for i, c := range cases {
		want := res.Trees[i]
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			s, err := Take(context.Background(), c.Dir, &Options{MaxSize: c.MaxSize, MaxFiles: c.MaxFiles})
			if want.Error != "" {
				limitErrs++
				if err == nil {
					ignore, _ := os.ReadFile(filepath.Join(c.Dir, s.IgnoreFile))
					t.Fatalf("azureml failed, amlgo took %d bytes in %v (ignore file %s: %q): %s", s.TotalSize, s.Files, s.IgnoreFile, ignore, want.Error)
				}
				var le *LimitError
				if errors.As(err, &le) {
					assert.Equal(t, "snapshot: "+want.Error, err.Error())
				} else {
					assert.ErrorIs(t, err, ErrInvalidPattern, "azureml: %s", want.Error)
				}
				return
			}
			require.NoError(t, err)
			gotFiles, gotDirs := []string{}, []string{}
			for _, f := range s.Files {
				if f.IsDir() {
					gotDirs = append(gotDirs, f.Path)
				} else {
					gotFiles = append(gotFiles, f.Path)
				}
			}
			slices.Sort(want.Files)
			slices.Sort(want.Dirs)
			assert.Equal(t, want.Files, gotFiles, "files (ignore file %s)", s.IgnoreFile)
			assert.Equal(t, want.Dirs, gotDirs, "directories")
			assert.Equal(t, want.Added, s.Stats.Files+s.Stats.Symlinks, "files counted against the limit")
			files += len(gotFiles)
			dirs += len(gotDirs)
		})
	}
	t.Logf("%d trees: %d files and %d directories agreed, %d limit or pattern errors agreed",
		n, files, dirs, limitErrs)
}
