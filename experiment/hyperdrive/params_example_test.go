package hyperdrive_test

import (
	"encoding/json"
	"fmt"

	"github.com/amlgo/amlgo/experiment/hyperdrive"
)

// Parameter expressions print as the JSON azureml sends; invalid arguments give azureml's
// message.
func ExampleQUniform() {
	fmt.Println(hyperdrive.QUniform(0, 10, 2))
	fmt.Println(hyperdrive.LogUniform(-6, -1))
	fmt.Println(hyperdrive.Choice("adam", "sgd"))
	fmt.Println(hyperdrive.Uniform(1, 0).Err())
	// Output:
	// ["quniform",[0,10,2]]
	// ["loguniform",[-6,-1]]
	// ["choice",[["adam","sgd"]]]
	// hyperdrive: uniform expects min_value < max_value
}

// A sampling's parameter space, as azureml's generator_config carries it.
func ExampleRandomParameterSampling() {
	s, err := hyperdrive.RandomParameterSampling(map[string]hyperdrive.ParameterExpression{
		"--learning_rate": hyperdrive.LogUniform(-6, -1),
		"--batch_size":    hyperdrive.Choice(16, 32, 64),
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	space, _ := json.Marshal(s.ParameterSpace())
	fmt.Println(s.Name(), string(space))
	// Output:
	// RANDOM {"--batch_size":["choice",[[16,32,64]]],"--learning_rate":["loguniform",[-6,-1]]}
}

// Bayesian sampling accepts only choice, quniform and uniform.
func ExampleBayesianParameterSampling() {
	_, err := hyperdrive.BayesianParameterSampling(map[string]hyperdrive.ParameterExpression{
		"--alpha": hyperdrive.Normal(0, 1),
	})
	fmt.Println(err)
	// Output:
	// hyperdrive: This sampling method expects only the following distributions: [choice, quniform, uniform]
}

// A Bandit policy with azureml's documented settings: a run more than 10% below the best run
// is cancelled, from its 5th logged value on.
func ExampleBanditPolicy() {
	p, err := hyperdrive.BanditPolicy(&hyperdrive.BanditOptions{SlackFactor: 0.1, EvaluationInterval: 1, DelayEvaluation: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name(), p.SlackFactor(), p.EvaluationInterval(), p.DelayEvaluation())
	_, err = hyperdrive.BanditPolicy(nil)
	fmt.Println(err)
	// Output:
	// Bandit 0.1 1 5
	// hyperdrive: Bandit termination policy expects exactly one of slack factor or slack amount to be set.
}
