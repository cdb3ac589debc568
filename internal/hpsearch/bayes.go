package hpsearch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// exhaustiveLimit is the size up to which a finite space's unused configurations are all scored,
// instead of a random and local search over the space.
const exhaustiveLimit = 4096

// encoder maps a configuration to the model's inputs in the unit cube: one coordinate per
// numeric parameter (the logarithm for the log distributions), one indicator per value of a
// choice.
type encoder struct {
	space Space
	width int
}

func newEncoder(space Space) (*encoder, error) {
	e := &encoder{space: space}
	for _, p := range space {
		switch p.Dist.Kind {
		case Choice:
			if len(p.Dist.Values) > 1 {
				e.width += len(p.Dist.Values)
			}
		case RandInt, Uniform, QUniform, LogUniform, QLogUniform:
			e.width++
		default:
			return nil, fmt.Errorf("hpsearch: Bayesian sampling cannot model parameter %q: its distribution is unbounded", p.Name)
		}
	}
	return e, nil
}

// encode returns c's inputs; false when c lacks a parameter or has a value outside the space.
func (e *encoder) encode(c map[string]any) ([]float64, bool) {
	x := make([]float64, 0, e.width)
	for _, p := range e.space {
		v, ok := c[p.Name]
		if !ok {
			return nil, false
		}
		a := p.Dist.Args
		if p.Dist.Kind == Choice {
			l := p.Dist.level(v)
			if l < 0 {
				return nil, false
			}
			if len(p.Dist.Values) > 1 {
				for i := range p.Dist.Values {
					x = append(x, b2f(int64(i) == l))
				}
			}
			continue
		}
		f, ok := Number(v)
		if !ok {
			return nil, false
		}
		var u float64
		switch p.Dist.Kind {
		case RandInt:
			u = (f + 0.5) / a[0]
		case Uniform, QUniform:
			u = (f - a[0]) / (a[1] - a[0])
		default: // LogUniform, QLogUniform
			if f <= 0 {
				u = 0
			} else if a[1] > a[0] {
				u = (math.Log(f) - a[0]) / (a[1] - a[0])
			}
		}
		x = append(x, math.Max(0, math.Min(1, u)))
	}
	return x, true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// decode returns the configuration at u, one coordinate in [0,1] per parameter.
func (e *encoder) decode(u []float64) map[string]any {
	c := make(map[string]any, len(e.space))
	for i, p := range e.space {
		ui := u[i]
		c[p.Name] = p.Dist.draw(func() float64 { return ui }, nil)
	}
	return c
}

// Bayesian proposes up to n configurations by Bayesian optimisation: after a Latin-hypercube
// design of the first trials, a Gaussian process fitted to the finished trials' values, and each
// proposal the maximum of expected improvement; the pending trials, and the proposals made
// earlier in the same call, count as having returned the best value so far (a constant liar), so
// that concurrent trials spread out. Values are oriented so that larger is better. A finite
// space is sampled without replacement. The space may hold choice, randint, uniform, quniform,
// loguniform and qloguniform parameters.
func Bayesian(space Space, seed int64, history []Trial, n int) ([]map[string]any, error) {
	enc, err := newEncoder(space)
	if err != nil {
		return nil, err
	}
	rng := rngFor(seed, len(history), 2)
	total, finite := size(space)
	used := usedKeys(space, history, finite)
	var obsX, pendX [][]float64
	var obsY []float64
	for _, t := range history {
		x, ok := enc.encode(t.Params)
		switch {
		case !ok:
		case t.Terminal && t.HasValue && !math.IsNaN(t.Value) && !math.IsInf(t.Value, 0):
			obsX, obsY = append(obsX, x), append(obsY, t.Value)
		case !t.Terminal:
			pendX = append(pendX, x)
		}
	}
	obsX, obsY = modelSubset(obsX, obsY)
	nInit := max(5, len(space)+2)
	design := latinHypercube(rngFor(seed, 0, 3), nInit, len(space))
	var model *gp
	var out []map[string]any
	for j := range n {
		if finite && int64(len(used)) >= total {
			break
		}
		var c map[string]any
		i := len(history) + j
		switch {
		case len(obsY) < 2 || i < nInit:
			if i < nInit {
				c = enc.decode(design[i])
			}
			if c == nil || (finite && used[keyOf(space, c)]) {
				c = drawFinite(space, rng, used, total, finite)
			}
		default:
			if model == nil {
				model = fitGP(obsX, obsY, rng)
			}
			c = propose(enc, model, obsX, pendX, rng, used, total, finite)
		}
		if finite {
			used[keyOf(space, c)] = true
		}
		if x, ok := enc.encode(c); ok {
			pendX = append(pendX, x)
		}
		out = append(out, c)
	}
	return out, nil
}

// maxModelPoints bounds the finished trials the Gaussian process is fitted to (its cost grows
// with their cube): beyond it the model keeps the best half and the most recent others.
const maxModelPoints = 200

// modelSubset returns the observations the model is fitted to, in their original order.
func modelSubset(x [][]float64, y []float64) ([][]float64, []float64) {
	if len(y) <= maxModelPoints {
		return x, y
	}
	order := make([]int, len(y))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpDesc(y[a], y[b]) })
	keep := make([]bool, len(y))
	for _, i := range order[:maxModelPoints/2] {
		keep[i] = true
	}
	for i, n := len(y)-1, maxModelPoints/2; i >= 0 && n > 0; i-- {
		if !keep[i] {
			keep[i], n = true, n-1
		}
	}
	var sx [][]float64
	var sy []float64
	for i := range y {
		if keep[i] {
			sx, sy = append(sx, x[i]), append(sy, y[i])
		}
	}
	return sx, sy
}

// latinHypercube returns n points in [0,1]^d, one in each of n strata along every axis.
func latinHypercube(rng *rand.Rand, n, d int) [][]float64 {
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = make([]float64, d)
	}
	for k := range d {
		perm := rng.Perm(n)
		for i := range n {
			pts[i][k] = (float64(perm[i]) + rng.Float64()) / float64(n)
		}
	}
	return pts
}

// candidate is a point of the acquisition search: its coordinates (one per parameter), the
// configuration there and its expected improvement.
type candidate struct {
	u  []float64
	c  map[string]any
	ei float64
}

// propose returns the unused configuration of highest expected improvement under model
// conditioned on the pending points at the best value seen.
func propose(enc *encoder, model *gp, obsX, pendX [][]float64, rng *rand.Rand, used map[string]bool, total int64, finite bool) map[string]any {
	ys := slices.Clone(model.alphaTargets())
	best := slices.Max(ys)
	m := model
	if len(pendX) > 0 {
		x := append(slices.Clone(obsX), pendX...)
		for range pendX {
			ys = append(ys, best)
		}
		m = model.withPoints(x, ys)
	}
	score := func(c map[string]any) float64 {
		x, _ := enc.encode(c)
		mu, sd := m.predict(x)
		return expectedImprovement(mu, sd, best)
	}
	free := func(c map[string]any) bool { return !finite || !used[keyOf(enc.space, c)] }
	if finite && total <= exhaustiveLimit {
		var top candidate
		top.ei = math.Inf(-1)
		for i := range total {
			idx := unrank(enc.space, i)
			if used[indexKey(idx)] {
				continue
			}
			c := configAt(enc.space, idx)
			if ei := score(c); ei > top.ei {
				top = candidate{c: c, ei: ei}
			}
		}
		return top.c
	}
	dim := len(enc.space)
	var cands []candidate
	add := func(u []float64) {
		c := enc.decode(u)
		if free(c) {
			cands = append(cands, candidate{u: u, c: c, ei: score(c)})
		}
	}
	for range 1000 {
		u := make([]float64, dim)
		for k := range u {
			u[k] = rng.Float64()
		}
		add(u)
	}
	// Around the best trials so far, at three scales.
	order := make([]int, len(obsX))
	for i := range order {
		order[i] = i
	}
	obsY := model.alphaTargets()
	slices.SortFunc(order, func(a, b int) int { return cmpDesc(obsY[a], obsY[b]) })
	for _, i := range order[:min(5, len(order))] {
		u := enc.unitOf(obsX[i])
		for _, s := range []float64{0.2, 0.05, 0.01} {
			for range 30 {
				add(perturb(u, s, rng))
			}
		}
	}
	// Then refine the best few.
	for _, s := range []float64{0.05, 0.02, 0.005} {
		slices.SortFunc(cands, func(a, b candidate) int { return cmpDesc(a.ei, b.ei) })
		for _, cd := range slices.Clone(cands[:min(3, len(cands))]) {
			for range 30 {
				add(perturb(cd.u, s, rng))
			}
		}
	}
	if len(cands) == 0 {
		return drawFinite(enc.space, rng, used, total, finite)
	}
	top := slices.MaxFunc(cands, func(a, b candidate) int { return -cmpDesc(a.ei, b.ei) })
	return top.c
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// perturb moves u by a normal step of deviation s in every coordinate, kept in [0,1].
func perturb(u []float64, s float64, rng *rand.Rand) []float64 {
	v := make([]float64, len(u))
	for k := range u {
		v[k] = math.Max(0, math.Min(1, u[k]+s*rng.NormFloat64()))
	}
	return v
}

// unitOf returns the per-parameter coordinates of encoded inputs x.
func (e *encoder) unitOf(x []float64) []float64 {
	u := make([]float64, 0, len(e.space))
	off := 0
	for _, p := range e.space {
		if p.Dist.Kind == Choice {
			k := len(p.Dist.Values)
			if k <= 1 {
				u = append(u, 0.5)
				continue
			}
			l := 0
			for i := range k {
				if x[off+i] > 0.5 {
					l = i
				}
			}
			u = append(u, (float64(l)+0.5)/float64(k))
			off += k
			continue
		}
		u = append(u, x[off])
		off++
	}
	return u
}
