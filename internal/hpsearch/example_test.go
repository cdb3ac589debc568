package hpsearch_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/hpsearch"
)

// A grid of two choices, in row-major order; the trials already run are skipped.
func ExampleGrid() {
	space := hpsearch.Space{
		{Name: "batch", Dist: hpsearch.Dist{Kind: hpsearch.Choice, Values: []any{8, 9}}},
		{Name: "lr", Dist: hpsearch.Dist{Kind: hpsearch.Choice, Values: []any{1, 2}}},
	}
	done := []hpsearch.Trial{{Params: map[string]any{"batch": 8.0, "lr": 1.0}, Terminal: true}}
	for _, c := range hpsearch.Grid(space, done, 10) {
		fmt.Println(c["batch"], c["lr"])
	}
	// Output:
	// 8 2
	// 9 1
	// 9 2
}

// Random sampling of a finite space never repeats a configuration.
func ExampleRandom() {
	space := hpsearch.Space{{Name: "k", Dist: hpsearch.Dist{Kind: hpsearch.RandInt, Args: []float64{3}}}}
	fmt.Println(len(hpsearch.Random(space, 1, nil, 10)))
	// Output:
	// 3
}
