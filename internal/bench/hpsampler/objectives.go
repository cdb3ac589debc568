package main

import "math"

// problem is a benchmark function to minimize over a box.
type problem struct {
	name   string
	lo, hi []float64
	budget int
	fstar  float64
	f      func(x []float64) float64
}

// branin is the Branin–Hoo function on [−5,10]×[0,15]; f* = 0.397887.
func branin(x []float64) float64 {
	x1, x2 := x[0], x[1]
	b, c := 5.1/(4*math.Pi*math.Pi), 5/math.Pi
	t := 1 / (8 * math.Pi)
	return math.Pow(x2-b*x1*x1+c*x1-6, 2) + 10*(1-t)*math.Cos(x1) + 10
}

var (
	h6Alpha = [4]float64{1, 1.2, 3, 3.2}
	h6A     = [4][6]float64{{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}}
	h6P     = [4][6]float64{{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991}, {2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}}
)

// hartmann6 is the six-dimensional Hartmann function on [0,1]⁶; f* = −3.32237.
func hartmann6(x []float64) float64 {
	var s float64
	for i := range 4 {
		var e float64
		for j := range 6 {
			d := x[j] - h6P[i][j]*1e-4
			e += h6A[i][j] * d * d
		}
		s -= h6Alpha[i] * math.Exp(-e)
	}
	return s
}

var problems = []problem{
	{name: "branin", lo: []float64{-5, 0}, hi: []float64{10, 15}, budget: 30, fstar: 0.397887, f: branin},
	{name: "hartmann6", lo: []float64{0, 0, 0, 0, 0, 0}, hi: []float64{1, 1, 1, 1, 1, 1}, budget: 60, fstar: -3.32237, f: hartmann6},
}
