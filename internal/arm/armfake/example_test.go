package armfake_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

func ExampleSemanticDiff() {
	fmt.Printf("%q\n", armfake.SemanticDiff([]byte(`{"d":"PT5M","x":null}`), []byte(`{"d":"PT300S"}`)))
	fmt.Println(armfake.SemanticDiff([]byte(`{"n":4}`), []byte(`{"n":5}`)))
	// Output:
	// ""
	// $.n: want 4, got 5
}
