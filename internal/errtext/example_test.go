package errtext_test

import (
	"errors"
	"fmt"

	"github.com/amlgo/amlgo/internal/errtext"
)

// An internal package's name disappears from the text a public package returns; errors.Is still
// sees the cause.
func ExamplePublic() {
	cause := errors.New("envbuild: no conda tool found")
	err := errtext.Public(fmt.Errorf("compute: preparing the environment: %w", cause))
	fmt.Println(err)
	fmt.Println(errors.Is(err, cause))
	// Output:
	// compute: preparing the environment: no conda tool found
	// true
}
