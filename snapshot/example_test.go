package snapshot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/amlgo/amlgo/snapshot"
)

// project writes a small source directory with fixed modes and returns it.
func project(files map[string]string) string {
	dir, err := os.MkdirTemp("", "snapshot-example")
	if err != nil {
		panic(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			panic(err)
		}
		os.Chmod(p, 0o644)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() && p != dir {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	return dir
}

func ExampleTake() {
	dir := project(map[string]string{
		"train.py":          "print('training')\n",
		"outputs/model.pkl": "weights",
		"logs/run.log":      "log",
		".amlignore":        "outputs\nlogs/\n",
	})
	defer os.RemoveAll(dir)

	s, err := snapshot.Take(context.Background(), dir, nil)
	if err != nil {
		panic(err)
	}
	for _, f := range s.Files {
		fmt.Printf("%-11s %v %d\n", f.Path, f.Mode, f.Size)
	}
	fmt.Println("ignore file:", s.IgnoreFile)
	fmt.Println("total size:", s.TotalSize)
	fmt.Println("id:", s.ID)
	// Output:
	// .amlignore  -rw-r--r-- 14
	// logs        drwxr-xr-x 0
	// train.py    -rw-r--r-- 18
	// ignore file: .amlignore
	// total size: 32
	// id: 9f55553e0073cd50b2f70416150a85b68279c499c7b994d13b10a88231506240
}

func ExampleParseIgnore() {
	m, err := snapshot.ParseIgnore([]byte("# build output\n*.pyc\noutputs\n!outputs/keep\nlogs/\n!logs/keep.txt\n"))
	if err != nil {
		panic(err)
	}
	for _, p := range []string{"a/b.pyc", "outputs", "outputs/keep", "logs", "logs/x.txt", "logs/keep.txt"} {
		fmt.Printf("%-14s excluded=%v\n", p, m.Match(p))
	}
	// Output:
	// a/b.pyc        excluded=true
	// outputs        excluded=true
	// outputs/keep   excluded=false
	// logs           excluded=false
	// logs/x.txt     excluded=true
	// logs/keep.txt  excluded=false
}

func ExampleSnapshot_Diff() {
	dir := project(map[string]string{"a.py": "a", "b.py": "b"})
	defer os.RemoveAll(dir)
	prev, _ := snapshot.Take(context.Background(), dir, nil)

	os.WriteFile(filepath.Join(dir, "a.py"), []byte("A"), 0o644)
	os.Remove(filepath.Join(dir, "b.py"))
	os.WriteFile(filepath.Join(dir, "c.py"), []byte("c"), 0o644)
	cur, _ := snapshot.Take(context.Background(), dir, &snapshot.Options{Previous: prev})

	d := cur.Diff(prev)
	fmt.Println("added:", d.Added)
	fmt.Println("changed:", d.Changed)
	fmt.Println("removed:", d.Removed)
	// Output:
	// added: [c.py]
	// changed: [a.py]
	// removed: [b.py]
}

func ExampleLimitError() {
	dir := project(map[string]string{"a.py": "a", "b.py": "b", "c.py": "c"})
	defer os.RemoveAll(dir)
	_, err := snapshot.Take(context.Background(), dir, &snapshot.Options{MaxFiles: 2})
	fmt.Println(errors.Is(err, snapshot.ErrTooManyFiles))
	fmt.Print(strings.ReplaceAll(err.Error(), dir, "<dir>"))
	// Output:
	// true
	// snapshot: ====================================================================
	//
	// While attempting to take snapshot of <dir>
	// Your project exceeds the file limit of 2.
	//
	// ====================================================================
}

func ExampleSnapshot_WriteArchive() {
	dir := project(map[string]string{"src/train.py": "print(1)\n", "README": "r"})
	defer os.RemoveAll(dir)
	s, _ := snapshot.Take(context.Background(), dir, nil)

	var archive bytes.Buffer
	if err := s.WriteArchive(&archive); err != nil {
		panic(err)
	}
	dest, _ := os.MkdirTemp("", "restored")
	defer os.RemoveAll(dest)
	if err := snapshot.Restore(context.Background(), &archive, dest); err != nil {
		panic(err)
	}
	restored, _ := snapshot.Take(context.Background(), dest, nil)
	fmt.Println("same ID after restore:", restored.ID == s.ID)
	// Output:
	// same ID after restore: true
}

func ExampleSnapshot_Materialize() {
	dir := project(map[string]string{"train.py": "print(1)\n"})
	defer os.RemoveAll(dir)
	s, _ := snapshot.Take(context.Background(), dir, nil)

	// A content-addressed store keyed by sha256 (a map here; the workspace
	// uses its blob directory).
	blobs := map[string][]byte{}
	for _, f := range s.Files {
		if f.IsRegular() {
			data, _ := os.ReadFile(filepath.Join(dir, f.Path))
			blobs[f.SHA256] = data
		}
	}
	manifest, _ := s.MarshalJSON() // what the store keeps under s.ID
	var loaded snapshot.Snapshot
	if err := loaded.UnmarshalJSON(manifest); err != nil {
		panic(err)
	}
	wd, _ := os.MkdirTemp("", "wd")
	defer os.RemoveAll(wd)
	err := loaded.Materialize(context.Background(), wd, func(f snapshot.File) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blobs[f.SHA256])), nil
	})
	if err != nil {
		panic(err)
	}
	data, _ := os.ReadFile(filepath.Join(wd, "train.py"))
	fmt.Print(string(data))
	// Output:
	// print(1)
}

func ExampleStatCache() {
	dir := project(map[string]string{"a.py": "a"})
	defer os.RemoveAll(dir)
	cacheFile := filepath.Join(dir, "..", filepath.Base(dir)+".statcache")
	defer os.Remove(cacheFile)

	cache, err := snapshot.LoadStatCache(cacheFile) // a missing file is an empty cache
	if err != nil {
		panic(err)
	}
	s, _ := snapshot.Take(context.Background(), dir, &snapshot.Options{Cache: cache})
	fmt.Println("hashed:", s.Stats.HashedFiles)
	if err := cache.Save(cacheFile); err != nil {
		panic(err)
	}
	// Output:
	// hashed: 1
}
