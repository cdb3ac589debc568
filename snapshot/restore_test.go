package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type tarEntry struct {
	typ    byte
	name   string
	target string
	body   string
}

func mkTar(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Typeflag: e.typ, Name: e.name, Linkname: e.target, Mode: 0o644, Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if e.typ == tar.TypeDir {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Skipf("tar writer refuses %q: %v", e.name, err)
		}
		if e.typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// sandbox returns base, base/dest and base/outside (holding a canary file).
func sandbox(t testing.TB) (base, dest, outside string) {
	base = t.TempDir()
	dest = filepath.Join(base, "dest")
	outside = filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "canary"), []byte("canary"), 0o644))
	return base, dest, outside
}

// assertOutsideUntouched checks that nothing but dest changed below base.
func assertOutsideUntouched(t testing.TB, base string) {
	t.Helper()
	var got []string
	err := filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		if rel == "dest" {
			return filepath.SkipDir
		}
		got = append(got, rel)
		return nil
	})
	require.NoError(t, err)
	sort.Strings(got)
	want := []string{".", "outside", "outside/canary"}
	if _, err := os.Lstat(filepath.Join(base, "dest")); err == nil {
		want = []string{".", "dest", "outside", "outside/canary"}
		got = append(got, "dest")
		sort.Strings(got)
	}
	if !assert.Equal(t, want, got, "something was written outside dest") {
		return
	}
	data, err := os.ReadFile(filepath.Join(base, "outside", "canary"))
	require.NoError(t, err)
	assert.Equal(t, "canary", string(data))
}

func TestRestoreRejectsUnsafeEntries(t *testing.T) {
	for name, entries := range map[string][]tarEntry{
		"dotdot":            {{typ: tar.TypeReg, name: "../outside/x", body: "x"}},
		"inner dotdot":      {{typ: tar.TypeReg, name: "a/../../outside/x", body: "x"}},
		"absolute":          {{typ: tar.TypeReg, name: "/tmp/amlgo-restore-abs", body: "x"}},
		"unclean":           {{typ: tar.TypeReg, name: "./a", body: "x"}},
		"dotdot dir":        {{typ: tar.TypeDir, name: "../outside/d/"}},
		"link up":           {{typ: tar.TypeSymlink, name: "l", target: "../outside"}},
		"link absolute":     {{typ: tar.TypeSymlink, name: "l", target: "@OUT@"}},
		"link deep up":      {{typ: tar.TypeSymlink, name: "a/b/l", target: "../../../outside"}},
		"hardlink":          {{typ: tar.TypeReg, name: "a", body: "a"}, {typ: tar.TypeLink, name: "h", target: "a"}},
		"device":            {{typ: tar.TypeChar, name: "c"}},
		"fifo":              {{typ: tar.TypeFifo, name: "f"}},
		"duplicate":         {{typ: tar.TypeReg, name: "a", body: "1"}, {typ: tar.TypeReg, name: "a", body: "2"}},
		"file then symlink": {{typ: tar.TypeReg, name: "a", body: "1"}, {typ: tar.TypeSymlink, name: "a", target: "."}},
		"write through link": {
			{typ: tar.TypeSymlink, name: "l", target: "sub"},
			{typ: tar.TypeDir, name: "sub/"},
			{typ: tar.TypeReg, name: "l/x", body: "x"},
		},
		"write through escaping link": {
			{typ: tar.TypeSymlink, name: "l", target: "."},
			{typ: tar.TypeSymlink, name: "l2", target: "l/.."},
			{typ: tar.TypeReg, name: "l2/outside/x", body: "x"},
		},
		"chain escape found at the end": {
			{typ: tar.TypeSymlink, name: "a", target: "l/../outside"},
			{typ: tar.TypeSymlink, name: "l", target: "."},
		},
		"below a file": {{typ: tar.TypeReg, name: "f", body: "x"}, {typ: tar.TypeReg, name: "f/x", body: "x"}},
	} {
		t.Run(name, func(t *testing.T) {
			base, dest, outside := sandbox(t)
			for i := range entries {
				if entries[i].target == "@OUT@" {
					entries[i].target = outside
				}
			}
			err := Restore(context.Background(), bytes.NewReader(mkTar(t, entries)), dest)
			assert.Error(t, err)
			assertOutsideUntouched(t, base)
			_, statErr := os.Lstat("/tmp/amlgo-restore-abs")
			assert.True(t, os.IsNotExist(statErr))
		})
	}
}

func TestRestoreRefusesPreexistingSymlinkInDest(t *testing.T) {
	base, dest, outside := sandbox(t)
	require.NoError(t, os.MkdirAll(dest, 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(dest, "sub")))
	err := Restore(context.Background(), bytes.NewReader(mkTar(t, []tarEntry{{typ: tar.TypeReg, name: "sub/x", body: "x"}})), dest)
	assert.ErrorIs(t, err, ErrUnsafePath)
	assertOutsideUntouched(t, base)

	// An entry replacing the symlink itself is fine: the link is removed, not followed.
	err = Restore(context.Background(), bytes.NewReader(mkTar(t, []tarEntry{{typ: tar.TypeReg, name: "sub", body: "x"}})), dest)
	assert.NoError(t, err)
	assertOutsideUntouched(t, base)
	data, err := os.ReadFile(filepath.Join(dest, "sub"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(data))
}

func TestRestoreAcceptsSafeLinksAndImplicitParents(t *testing.T) {
	base, dest, _ := sandbox(t)
	err := Restore(context.Background(), bytes.NewReader(mkTar(t, []tarEntry{
		{typ: tar.TypeReg, name: "a/b/c.txt", body: "c"},
		{typ: tar.TypeSymlink, name: "a/up", target: "../a/b/c.txt"},
		{typ: tar.TypeSymlink, name: "self", target: "."},
		{typ: tar.TypeSymlink, name: "dangling", target: "nope/x"},
	})), dest)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dest, "a", "up"))
	require.NoError(t, err)
	assert.Equal(t, "c", string(data))
	assertOutsideUntouched(t, base)
}

func TestRestoreCanceled(t *testing.T) {
	_, dest, _ := sandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Restore(ctx, bytes.NewReader(mkTar(t, []tarEntry{{typ: tar.TypeReg, name: "a", body: "a"}})), dest)
	assert.ErrorIs(t, err, context.Canceled)
}
