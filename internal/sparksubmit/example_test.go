package sparksubmit_test

import (
	"fmt"

	"github.com/amlgo/amlgo/internal/sparksubmit"
)

func ExampleSubmission_Argv() {
	argv, err := sparksubmit.Submission{
		Master: "yarn", DeployMode: "cluster",
		Conf:     map[string]string{"spark.yarn.maxAppAttempts": "1", "spark.app.name": "Azure ML Experiment"},
		Packages: []sparksubmit.Package{{Group: "com.example", Artifact: "tiny", Version: "1.0"}},
		PyFiles:  []string{"snapshot.zip"},
		Script:   "train.py", Args: []string{"--reg", "0.01"},
	}.Argv()
	fmt.Println(argv, err)
	// Output: [spark-submit --master yarn --deploy-mode cluster --conf spark.app.name=Azure ML Experiment --conf spark.yarn.maxAppAttempts=1 --packages com.example:tiny:1.0 --py-files snapshot.zip train.py --reg 0.01] <nil>
}

func ExampleExpand() {
	kill, _ := sparksubmit.Expand(sparksubmit.YARNCommands("").Kill, "application_1700000000000_0001")
	logs, _ := sparksubmit.Expand(sparksubmit.YARNCommands("").Logs, "application_1700000000000_0001")
	fmt.Println(kill)
	fmt.Println(logs)
	// Output:
	// [yarn application -kill application_1700000000000_0001]
	// [yarn logs -applicationId application_1700000000000_0001 -containerId container_1700000000000_0001_01_000001 -log_files stdout,stderr]
}
