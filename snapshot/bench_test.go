package snapshot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchTree writes files files totalling about size bytes into 20 directories.
func benchTree(b *testing.B, files int, size int64) string {
	b.Helper()
	dir := b.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 2*size/int64(files)+1)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%05d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		n := rng.IntN(len(buf))
		if err := os.WriteFile(p, buf[:n], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, ".amlignore"), []byte(".ipynb_checkpoints\nazureml-logs\n.azureml\n.git\noutputs\nazureml-setup\ndocs\n"), 0o644)
	return dir
}

// BenchmarkTake measures a cold Take (every file hashed) and a warm one (stat
// cache hit for every file) on 1000 files / 32 MiB.
func BenchmarkTake(b *testing.B) {
	dir := benchTree(b, 1000, 32<<20)
	var total int64
	s, err := Take(context.Background(), dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	total = s.TotalSize
	b.Run("cold", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			if _, err := Take(context.Background(), dir, &Options{MaxFiles: -1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		cache := &StatCache{racyWindow: -time.Second, racyWindowSet: true}
		if _, err := Take(context.Background(), dir, &Options{Cache: cache}); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(total)
		b.ResetTimer()
		for b.Loop() {
			s, err := Take(context.Background(), dir, &Options{Cache: cache})
			if err != nil {
				b.Fatal(err)
			}
			if s.Stats.HashedFiles != 0 {
				b.Fatal("warm take hashed files")
			}
		}
	})
}

// BenchmarkIgnoreMatch measures the matcher on azureml's default patterns.
func BenchmarkIgnoreMatch(b *testing.B) {
	m, err := ParseIgnore([]byte(".ipynb_checkpoints\nazureml-logs\n.azureml\n.git\noutputs\nazureml-setup\ndocs\n*.py[cod]\n**/__pycache__/**\n"))
	if err != nil {
		b.Fatal(err)
	}
	paths := []string{"src/models/train.py", "data/raw/2024/01/part-0001.csv", "outputs", "a/b/c/d/e/f.txt", "src/__pycache__/x.pyc"}
	for b.Loop() {
		for _, p := range paths {
			m.Match(p)
		}
	}
}
