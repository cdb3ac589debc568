package mlflowrest_test

import (
	"context"
	"fmt"

	"github.com/amlgo/amlgo/internal/mlflowrest"
)

func ExampleTrackingBase() {
	base, err := mlflowrest.TrackingBase("azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws?")
	if err != nil {
		panic(err)
	}
	fmt.Println(base)
	local, _ := mlflowrest.TrackingBase("http://127.0.0.1:5000/")
	fmt.Println(local)
	// Output:
	// https://westeurope.api.azureml.ms/mlflow/v2.0/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws
	// http://127.0.0.1:5000
}

// Reading every value of a service job's metric (the run id is the job name).
func ExampleClient_MetricHistory() {
	read := func(ctx context.Context, trackingURI, jobName string, token func(context.Context) (string, error)) error {
		base, err := mlflowrest.TrackingBase(trackingURI)
		if err != nil {
			return err
		}
		c, err := mlflowrest.New(base, &mlflowrest.Options{Token: token})
		if err != nil {
			return err
		}
		for m, err := range c.MetricHistory(ctx, jobName, "loss") {
			if err != nil {
				return err
			}
			fmt.Println(m.Step, m.Value, m.Time())
		}
		return nil
	}
	_ = read
}
