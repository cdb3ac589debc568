package mlflowtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/amlgo/amlgo/internal/mlflowtest"
)

// A test that logs to a real MLflow server and reads the values back (the package's TestMain
// runs the tests with mlflowtest.Main, which stops the shared server at the end).
func ExampleShared() {
	_ = func(t *testing.T) {
		srv := mlflowtest.Shared(t) // or mlflowtest.Start(t) for a server of the test's own
		c := srv.Client(t, nil)
		exp, err := c.GetOrCreateExperiment(context.Background(), t.Name())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("experiment", exp, "on", srv.URL)
	}
}
