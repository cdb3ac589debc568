package snapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wantSizeMessage = "snapshot: ====================================================================\n" +
	"\n" +
	"While attempting to take snapshot of %s\n" +
	"Your total snapshot size exceeds the limit of %s MB.\n" +
	"Please see http://aka.ms/aml-largefiles on how to work with large files.\n" +
	"\n" +
	"====================================================================\n" +
	"\n"

const wantFilesMessage = "snapshot: ====================================================================\n" +
	"\n" +
	"While attempting to take snapshot of %s\n" +
	"Your project exceeds the file limit of %d.\n" +
	"\n" +
	"====================================================================\n" +
	"\n"

// sparse creates a file of the given size without writing its blocks.
func sparse(t *testing.T, path string, size int64) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(size))
	require.NoError(t, f.Close())
}

func TestSizeLimitDefaultMessage(t *testing.T) {
	dir := t.TempDir()
	sparse(t, filepath.Join(dir, "big.bin"), DefaultMaxSize+1)
	opens := countOpens(t)
	_, err := Take(context.Background(), dir, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrSnapshotTooLarge))
	assert.False(t, errors.Is(err, ErrTooManyFiles))
	assert.Equal(t, fmt.Sprintf(wantSizeMessage, dir, "300.0"), err.Error())
	var le *LimitError
	require.True(t, errors.As(err, &le))
	assert.Equal(t, DefaultMaxSize+1, le.Value)
	assert.Zero(t, opens.Load(), "the size is checked before any file is read")
}

func TestSizeLimitExactlyAtLimitPasses(t *testing.T) {
	dir := t.TempDir()
	sparse(t, filepath.Join(dir, "a"), 600)
	sparse(t, filepath.Join(dir, "b"), 400)
	_, err := Take(context.Background(), dir, &Options{MaxSize: 1000})
	assert.NoError(t, err)
	_, err = Take(context.Background(), dir, &Options{MaxSize: 999})
	assert.Equal(t, fmt.Sprintf(wantSizeMessage, dir, "0.0009527206420898438"), err.Error())
	_, err = Take(context.Background(), dir, &Options{MaxSize: -1})
	assert.NoError(t, err, "negative: no limit")
}

func TestSizeLimitAppliesAfterIgnores(t *testing.T) {
	dir := t.TempDir()
	sparse(t, filepath.Join(dir, "outputs", "huge"), 10<<20)
	writeTree(t, dir, map[string]string{".amlignore": "outputs\n", "a": "x"})
	_, err := Take(context.Background(), dir, &Options{MaxSize: 1 << 20})
	assert.NoError(t, err)
}

func TestPyFloat(t *testing.T) {
	for in, want := range map[float64]string{
		300: "300.0", 1.5: "1.5", 0.5: "0.5", 9.5367431640625e-06: "9.5367431640625e-06",
		0.0001: "0.0001", 1e16: "1e+16", 2048: "2048.0", 0: "0.0",
	} {
		assert.Equal(t, want, pyFloat(in), "%v", in)
	}
}

func manyFiles(t *testing.T, dir string, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", i)), []byte{byte(i)}, 0o644))
	}
}

func TestFileLimitDefault(t *testing.T) {
	dir := t.TempDir()
	manyFiles(t, dir, DefaultMaxFiles)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "emptydir"), 0o755))
	_, err := Take(context.Background(), dir, nil)
	require.NoError(t, err, "2000 files (directories do not count) are allowed")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "one-more"), nil, 0o644))
	opens := countOpens(t)
	_, err = Take(context.Background(), dir, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrTooManyFiles))
	assert.Equal(t, fmt.Sprintf(wantFilesMessage, dir, DefaultMaxFiles), err.Error())
	assert.Zero(t, opens.Load(), "with no previous snapshot the count is known before hashing")
}

func TestFileLimitEnvironmentVariable(t *testing.T) {
	dir := t.TempDir()
	manyFiles(t, dir, 5)
	t.Setenv(NoFileLimitEnv, "1")
	_, err := Take(context.Background(), dir, &Options{MaxFiles: 4})
	assert.ErrorIs(t, err, ErrTooManyFiles, "an explicit limit ignores the variable")
	manyFiles(t, dir, DefaultMaxFiles+1)
	_, err = Take(context.Background(), dir, nil)
	assert.NoError(t, err, "the variable lifts the default limit")
	t.Setenv(NoFileLimitEnv, "")
	_, err = Take(context.Background(), dir, nil)
	assert.ErrorIs(t, err, ErrTooManyFiles, "empty means unset")
}

func TestFileLimitCountsChangesSincePrevious(t *testing.T) {
	dir := t.TempDir()
	manyFiles(t, dir, 10)
	_, err := Take(context.Background(), dir, &Options{MaxFiles: 9})
	assert.ErrorIs(t, err, ErrTooManyFiles)
	prev := take(t, dir, &Options{MaxFiles: 10})

	// Unchanged: nothing counts.
	_, err = Take(context.Background(), dir, &Options{MaxFiles: 1, Previous: prev})
	assert.NoError(t, err)
	// Two changed, one added, three removed: three count.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f00000"), []byte("changed"), 0o644))
	require.NoError(t, os.Chmod(filepath.Join(dir, "f00001"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "new"), []byte("n"), 0o644))
	for _, f := range []string{"f00007", "f00008", "f00009"} {
		require.NoError(t, os.Remove(filepath.Join(dir, f)))
	}
	_, err = Take(context.Background(), dir, &Options{MaxFiles: 3, Previous: prev})
	assert.NoError(t, err)
	_, err = Take(context.Background(), dir, &Options{MaxFiles: 2, Previous: prev})
	assert.Equal(t, fmt.Sprintf(wantFilesMessage, dir, 2), err.Error())
	_, err = Take(context.Background(), dir, &Options{MaxFiles: -1})
	assert.NoError(t, err)
}

func TestSizeReportedBeforeFileCount(t *testing.T) {
	dir := t.TempDir()
	manyFiles(t, dir, 3)
	_, err := Take(context.Background(), dir, &Options{MaxFiles: 1, MaxSize: 1})
	assert.ErrorIs(t, err, ErrSnapshotTooLarge, "azureml-core validates the size first")
}

// azureml-core checks the size with os.walk over every file, so a file below an ignored
// directory that a "!" pattern re-includes counts although the snapshot leaves it out
// (found by TestOracleLiveSnapshotTrees).
func TestSizeLimitCountsReincludedFilesBelowIgnoredDirectories(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{".amlignore": "*\n!*.py\n"})
	sparse(t, filepath.Join(dir, "keep.py"), 10)
	sparse(t, filepath.Join(dir, "venv", "lib", "x.py"), 100)
	sparse(t, filepath.Join(dir, "venv", "lib", "big.so"), 5000)
	require.NoError(t, os.Symlink("x.py", filepath.Join(dir, "venv", "lib", "link.py")))

	_, err := Take(context.Background(), dir, &Options{MaxSize: 109})
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, int64(110), le.Value, "keep.py and venv/lib/x.py; not big.so, not the symlink")

	s := take(t, dir, &Options{MaxSize: 110})
	assert.Equal(t, []string{"keep.py"}, paths(s))
	assert.Equal(t, int64(10), s.TotalSize)

	// Without a "!" pattern nothing below an ignored directory can count.
	writeTree(t, dir, map[string]string{".amlignore": "venv\n"})
	s = take(t, dir, &Options{MaxSize: 10 + int64(len("venv\n"))})
	assert.Equal(t, []string{".amlignore", "keep.py"}, paths(s))
}
