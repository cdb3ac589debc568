package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// treeMix describes the generated tree.
type treeMix struct {
	files                   int
	bytes                   int64
	small, medium, large    int
	smallB, mediumB, largeB int64
	empty, largest          int64
}

func (m treeMix) String() string {
	return fmt.Sprintf("%d files, %.1f MiB: %d small 0-16 KiB (%.1f MiB, %d empty), %d medium 16-512 KiB (%.1f MiB), "+
		"%d large (%.1f MiB, largest %.1f MiB), in nested directories (seed 5000)",
		m.files, float64(m.bytes)/(1<<20), m.small, float64(m.smallB)/(1<<20), m.empty, m.medium,
		float64(m.mediumB)/(1<<20), m.large, float64(m.largeB)/(1<<20), float64(m.largest)/(1<<20))
}

// logUniform returns a size between lo and hi, uniform in its logarithm (many small, few big).
func logUniform(rng *rand.Rand, lo, hi float64) int64 {
	return int64(math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo))))
}

// makeTree writes a seeded tree of n files and exactly size bytes below dir, shaped like a
// training project with data: 80% small files (sources, configs; 2% of them empty), 19% medium
// ones (samples, notebooks), 1% large ones (weights, archives: 0.5 to 16 MiB before scaling)
// taking the rest, spread over directories two to four levels deep.
func makeTree(dir string, n int, size int64) (treeMix, error) {
	rng := rand.New(rand.NewPCG(5000, 200))
	m := treeMix{files: n, large: max(n/100, 1)}
	m.medium = n * 19 / 100
	m.small = n - m.medium - m.large
	sizes := make([]int64, n)
	var fixed int64
	for i := range m.small + m.medium {
		switch {
		case i < m.small && rng.IntN(50) == 0:
			sizes[i] = 0
			m.empty++
		case i < m.small:
			sizes[i] = logUniform(rng, 64, 16<<10)
		default:
			sizes[i] = logUniform(rng, 16<<10, 512<<10)
		}
		fixed += sizes[i]
	}
	rest := size - fixed
	if rest < int64(m.large) {
		return m, fmt.Errorf("%d files do not fit in %d bytes with this mix", n, size)
	}
	var weights []float64
	var wsum float64
	for range m.large {
		w := math.Exp(math.Log(0.5) + rng.Float64()*(math.Log(16)-math.Log(0.5)))
		weights = append(weights, w)
		wsum += w
	}
	var assigned int64
	for k, w := range weights {
		s := int64(float64(rest) * w / wsum)
		if k == len(weights)-1 {
			s = rest - assigned
		}
		sizes[m.small+m.medium+k] = s
		assigned += s
	}
	pool := make([]byte, 32<<20)
	for i := range pool {
		pool[i] = byte(rng.Uint32())
	}
	exts := []string{".py", ".yml", ".json", ".txt", ".csv", ".ipynb", ".bin", ".parquet"}
	for i, sz := range sizes {
		d := filepath.Join(fmt.Sprintf("pkg%02d", rng.IntN(20)), fmt.Sprintf("mod%d", rng.IntN(8)))
		if rng.IntN(2) == 0 {
			d = filepath.Join(d, fmt.Sprintf("sub%d", rng.IntN(4)))
		}
		p := filepath.Join(dir, d, fmt.Sprintf("f%05d%s", i, exts[rng.IntN(len(exts))]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return m, err
		}
		if err := writeSized(p, pool, sz, rng, i); err != nil {
			return m, err
		}
		m.bytes += sz
		m.largest = max(m.largest, sz)
		switch {
		case i < m.small:
			m.smallB += sz
		case i < m.small+m.medium:
			m.mediumB += sz
		default:
			m.largeB += sz
		}
	}
	return m, nil
}

// writeSized writes sz bytes taken from random offsets of pool, made distinct by the index.
func writeSized(p string, pool []byte, sz int64, rng *rand.Rand, i int) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	left := sz
	first := true
	for left > 0 {
		n := min(left, int64(len(pool)/2))
		off := rng.IntN(len(pool) - int(n) + 1)
		chunk := pool[off : off+int(n)]
		if first && n >= 8 {
			chunk = append([]byte(fmt.Sprintf("%08d", i)), chunk[8:]...)
		}
		first = false
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return err
		}
		left -= n
	}
	return f.Close()
}
