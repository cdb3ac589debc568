package hpsearch

import (
	"math"
	"math/rand/v2"
)

// gp is a Gaussian-process regression model with a Matérn-5/2 kernel, one length scale per
// input coordinate (ARD), a signal variance and a noise variance, on standardized targets.
type gp struct {
	x      [][]float64
	ls     []float64 // length scales
	sf2    float64   // signal variance
	sn2    float64   // noise variance
	l      [][]float64
	alpha  []float64
	mean   float64
	scale  float64
	lmlVal float64
	ys     []float64 // the standardized targets
}

// Hyperparameter bounds (log scale), for inputs in the unit cube and standardized targets.
var (
	logLSBounds    = [2]float64{math.Log(0.02), math.Log(5)}
	logSF2Bounds   = [2]float64{math.Log(0.05), math.Log(20)}
	logNoiseBounds = [2]float64{math.Log(1e-6), math.Log(0.2)}
)

func matern52(a, b, ls []float64) float64 {
	var r2 float64
	for i := range a {
		d := (a[i] - b[i]) / ls[i]
		r2 += d * d
	}
	r := math.Sqrt(5 * r2)
	return (1 + r + 5*r2/3) * math.Exp(-r)
}

// cholesky factors a symmetric positive definite matrix in place into its lower triangle; false
// when it is not positive definite.
func cholesky(a [][]float64) bool {
	n := len(a)
	for j := range n {
		s := a[j][j]
		for k := range j {
			s -= a[j][k] * a[j][k]
		}
		if s <= 0 {
			return false
		}
		a[j][j] = math.Sqrt(s)
		for i := j + 1; i < n; i++ {
			t := a[i][j]
			for k := range j {
				t -= a[i][k] * a[j][k]
			}
			a[i][j] = t / a[j][j]
		}
	}
	return true
}

// forward solves L·z = b.
func forward(l [][]float64, b []float64) []float64 {
	z := make([]float64, len(b))
	for i := range b {
		s := b[i]
		for k := range i {
			s -= l[i][k] * z[k]
		}
		z[i] = s / l[i][i]
	}
	return z
}

// backward solves Lᵀ·z = b.
func backward(l [][]float64, b []float64) []float64 {
	n := len(b)
	z := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= l[k][i] * z[k]
		}
		z[i] = s / l[i][i]
	}
	return z
}

// condition builds the factorization for inputs x and standardized targets ys with the model's
// hyperparameters; false when the kernel matrix is singular.
func (g *gp) condition(x [][]float64, ys []float64) bool {
	n := len(x)
	k := make([][]float64, n)
	for i := range n {
		k[i] = make([]float64, n)
		for j := 0; j <= i; j++ {
			k[i][j] = g.sf2 * matern52(x[i], x[j], g.ls)
			k[j][i] = k[i][j]
		}
		k[i][i] += g.sn2 + 1e-10
	}
	if !cholesky(k) {
		return false
	}
	g.x, g.l, g.ys = x, k, ys
	g.alpha = backward(k, forward(k, ys))
	var lml float64
	for i := range n {
		lml -= 0.5*ys[i]*g.alpha[i] + math.Log(k[i][i])
	}
	g.lmlVal = lml - 0.5*float64(n)*math.Log(2*math.Pi)
	return true
}

// fitGP standardizes y and chooses the hyperparameters that maximize the log marginal
// likelihood (a random search followed by a coordinate search), deterministically for rng.
func fitGP(x [][]float64, y []float64, rng *rand.Rand) *gp {
	n, dim := len(y), len(x[0])
	mean, sd := 0.0, 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	for _, v := range y {
		sd += (v - mean) * (v - mean)
	}
	sd = math.Sqrt(sd / float64(n))
	if sd == 0 || math.IsNaN(sd) {
		sd = 1
	}
	ys := make([]float64, n)
	for i, v := range y {
		ys[i] = (v - mean) / sd
	}
	// theta = log length scales..., log signal variance, log noise variance.
	bounds := make([][2]float64, dim+2)
	for i := range dim {
		bounds[i] = logLSBounds
	}
	bounds[dim], bounds[dim+1] = logSF2Bounds, logNoiseBounds
	eval := func(theta []float64) (*gp, float64) {
		g := &gp{ls: make([]float64, dim), sf2: math.Exp(theta[dim]), sn2: math.Exp(theta[dim+1]), mean: mean, scale: sd}
		for i := range dim {
			g.ls[i] = math.Exp(theta[i])
		}
		if !g.condition(x, ys) {
			return nil, math.Inf(-1)
		}
		// A weak log-normal prior on the length scales keeps a few points from fitting
		// arbitrarily short or long ones.
		p := g.lmlVal
		for i := range dim {
			d := theta[i] - math.Log(0.4)
			p -= 0.5 * d * d / (1.5 * 1.5)
		}
		return g, p
	}
	start := make([]float64, dim+2)
	for i := range dim {
		start[i] = math.Log(0.4)
	}
	start[dim], start[dim+1] = 0, math.Log(1e-4)
	best, bestP := eval(start)
	bestTheta := start
	theta := make([]float64, dim+2)
	for range 30 {
		for i, b := range bounds {
			theta[i] = b[0] + rng.Float64()*(b[1]-b[0])
		}
		if g, p := eval(theta); p > bestP {
			best, bestP, bestTheta = g, p, append([]float64(nil), theta...)
		}
	}
	for step := 1.0; step > 0.05; step /= 2 {
		for range 2 {
			for i, b := range bounds {
				for _, dir := range []float64{-1, 1} {
					t := append([]float64(nil), bestTheta...)
					t[i] = math.Max(b[0], math.Min(b[1], t[i]+dir*step))
					if g, p := eval(t); p > bestP {
						best, bestP, bestTheta = g, p, t
					}
				}
			}
		}
	}
	if best == nil {
		// Every kernel matrix was singular (duplicate points and no noise): a wide, noisy model.
		best = &gp{ls: make([]float64, dim), sf2: 1, sn2: 0.2, mean: mean, scale: sd}
		for i := range best.ls {
			best.ls[i] = 1
		}
		best.condition(x, ys)
	}
	return best
}

// withPoints returns the model, hyperparameters unchanged, conditioned also on extra points at
// the standardized value lie (the constant liar for pending trials).
func (g *gp) withPoints(x [][]float64, ys []float64) *gp {
	h := &gp{ls: g.ls, sf2: g.sf2, sn2: g.sn2, mean: g.mean, scale: g.scale}
	if !h.condition(x, ys) {
		return g
	}
	return h
}

// predict returns the standardized posterior mean and standard deviation at p.
func (g *gp) predict(p []float64) (float64, float64) {
	k := make([]float64, len(g.x))
	for i, xi := range g.x {
		k[i] = g.sf2 * matern52(xi, p, g.ls)
	}
	var mu float64
	for i := range k {
		mu += k[i] * g.alpha[i]
	}
	v := forward(g.l, k)
	var vv float64
	for _, e := range v {
		vv += e * e
	}
	return mu, math.Sqrt(math.Max(g.sf2-vv, 1e-12))
}

// expectedImprovement over best (standardized, larger is better) at mean mu and deviation sd.
func expectedImprovement(mu, sd, best float64) float64 {
	d := mu - best - 0.01
	z := d / sd
	return d*0.5*math.Erfc(-z/math.Sqrt2) + sd*math.Exp(-0.5*z*z)/math.Sqrt(2*math.Pi)
}

// alphaTargets returns the standardized targets the model was fitted to.
func (g *gp) alphaTargets() []float64 {
	return g.ys
}
