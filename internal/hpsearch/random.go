package hpsearch

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// enumerateLimit bounds the finite spaces that are listed value by value: beyond it a space is
// so large that a repeated configuration is drawn again rather than the unused ones listed.
const enumerateLimit = 1 << 20

// rngFor is the random source of one call: it depends only on the seed and the number of trials
// so far, so that a resumed sweep draws what the first process would have.
func rngFor(seed int64, trials int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(trials)<<8|stream))
}

// Random proposes up to n configurations drawn from space's distributions. A finite space (every
// parameter a choice, randint, quniform or qloguniform) is sampled without replacement: no
// configuration of history is proposed again, and fewer than n come back once the space is
// exhausted. Other spaces are sampled independently.
func Random(space Space, seed int64, history []Trial, n int) []map[string]any {
	rng := rngFor(seed, len(history), 1)
	total, finite := size(space)
	used := usedKeys(space, history, finite)
	var out []map[string]any
	for range n {
		if finite && int64(len(used)) >= total {
			break
		}
		c := drawFinite(space, rng, used, total, finite)
		if finite {
			used[keyOf(space, c)] = true
		}
		out = append(out, c)
	}
	return out
}

// drawFinite draws one configuration, avoiding the used ones of a finite space.
func drawFinite(space Space, rng *rand.Rand, used map[string]bool, total int64, finite bool) map[string]any {
	var c map[string]any
	for range 100 {
		c = make(map[string]any, len(space))
		for _, p := range space {
			c[p.Name] = p.Dist.draw(rng.Float64, rng.NormFloat64)
		}
		if !finite || !used[keyOf(space, c)] {
			return c
		}
	}
	if total > enumerateLimit {
		return c
	}
	// The distributions keep landing on used configurations: pick uniformly among the others.
	free := total - int64(len(used))
	r := rng.Int64N(free)
	for i := range total {
		idx := unrank(space, i)
		if used[indexKey(idx)] {
			continue
		}
		if r == 0 {
			return configAt(space, idx)
		}
		r--
	}
	return c
}

// size is the number of configurations of space and whether it is finite (saturating at
// math.MaxInt64).
func size(space Space) (int64, bool) {
	total := int64(1)
	for _, p := range space {
		l, ok := p.Dist.levels()
		if !ok {
			return 0, false
		}
		if l > 0 && total > math.MaxInt64/l {
			total = math.MaxInt64
		} else {
			total *= l
		}
	}
	return total, true
}

// usedKeys returns the keys of the configurations of history that lie in a finite space.
func usedKeys(space Space, history []Trial, finite bool) map[string]bool {
	used := map[string]bool{}
	if !finite {
		return used
	}
	for _, t := range history {
		if k := keyOf(space, t.Params); k != "" {
			used[k] = true
		}
	}
	return used
}

// keyOf identifies a configuration of a finite space by its value indexes; "" when a value is
// missing or not in the space.
func keyOf(space Space, c map[string]any) string {
	idx := make([]int64, len(space))
	for i, p := range space {
		v, ok := c[p.Name]
		if !ok {
			return ""
		}
		if idx[i] = p.Dist.level(v); idx[i] < 0 {
			return ""
		}
	}
	return indexKey(idx)
}

func indexKey(idx []int64) string {
	var b strings.Builder
	for i, x := range idx {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(x, 10))
	}
	return b.String()
}

// unrank returns the value indexes of configuration number i of a finite space in row-major
// order: the last parameter varies fastest.
func unrank(space Space, i int64) []int64 {
	idx := make([]int64, len(space))
	for d := len(space) - 1; d >= 0; d-- {
		l, _ := space[d].Dist.levels()
		idx[d] = i % l
		i /= l
	}
	return idx
}

func configAt(space Space, idx []int64) map[string]any {
	c := make(map[string]any, len(space))
	for d, p := range space {
		c[p.Name] = p.Dist.value(idx[d])
	}
	return c
}

// Grid proposes the next n configurations of a space of choices in row-major order (the last
// parameter varies fastest), skipping those already in history; fewer once it is exhausted.
func Grid(space Space, history []Trial, n int) []map[string]any {
	total, _ := size(space)
	used := usedKeys(space, history, true)
	var out []map[string]any
	for i := int64(0); i < total && len(out) < n; i++ {
		idx := unrank(space, i)
		if used[indexKey(idx)] {
			continue
		}
		out = append(out, configAt(space, idx))
	}
	return out
}
