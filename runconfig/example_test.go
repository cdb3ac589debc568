package runconfig_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/amlgo/amlgo/runconfig"
)

func ExampleNew() {
	rc := runconfig.New()
	fmt.Println(rc.Target, rc.Framework, rc.Communicator, rc.NodeCount)
	fmt.Println(rc.Environment.Name, rc.Environment.Docker.BaseImage)
	fmt.Println(rc.MaxRunDurationSeconds == nil, rc.History.DirectoriesToWatch)
	// Output:
	// local Python None 1
	// default-environment mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20230324.v1
	// true [logs]
}

func ExampleRunConfiguration_Save() {
	proj, _ := os.MkdirTemp("", "proj")
	defer os.RemoveAll(proj)
	_ = os.Mkdir(filepath.Join(proj, ".azureml"), 0o755)

	rc := runconfig.New()
	rc.Script = "train.py"
	// Arguments keep their type: the string "0.5" is quoted, the int 3 is not.
	rc.Arguments = []any{"--alpha", "0.5", "--epochs", 3}
	rc.Target = "cpu-cluster"
	if err := rc.Save(proj, "train.runconfig", nil); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := os.ReadFile(filepath.Join(proj, ".azureml", "train.runconfig"))
	sc := bufio.NewScanner(bytes.NewReader(f))
	for i := 0; i < 7 && sc.Scan(); i++ {
		fmt.Println(sc.Text())
	}
	_, err := os.Stat(filepath.Join(proj, ".azureml", "conda_dependencies.yml"))
	fmt.Println("conda file written:", err == nil)
	fmt.Println(rc.Save(proj, "", nil))
	// Output:
	// script: train.py
	// arguments:
	// - --alpha
	// - '0.5'
	// - --epochs
	// - 3
	// target: cpu-cluster
	// conda file written: true
	// runconfig: Cannot save a runconfig without a name specified
}

func ExampleLoadWithOptions() {
	// A 2017 Azure ML Workbench file, which azureml-core 1.50 cannot read.
	proj, _ := os.MkdirTemp("", "wb")
	defer os.RemoveAll(proj)
	_ = os.Mkdir(filepath.Join(proj, "aml_config"), 0o755)
	_ = os.WriteFile(filepath.Join(proj, "aml_config", "local.runconfig"), []byte(`ArgumentVector:
  - "iris_sklearn.py"
  - "0.01"
Target: "local"
Framework: "Python"
EnvironmentVariables:
  "EXAMPLE_ENV_VAR": "Example Value"
UseSampling: true
`), 0o644)

	rc, err := runconfig.LoadWithOptions(proj, "local", &runconfig.LoadOptions{
		OnWarning: func(msg string) { fmt.Println("warning:", strings.ReplaceAll(msg, proj, "PROJ")) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rc.Script, rc.Arguments, rc.Target, rc.Framework)
	fmt.Println(rc.Environment.EnvironmentVariables)
	// Output:
	// warning: legacy Azure ML Workbench runconfig: TitleCase keys mapped onto the 1.50 fields
	// warning: ignored Workbench key UseSampling (data preparation sampling has no azureml equivalent)
	// warning: Workbench compute file PROJ/aml_config/local.compute not found; its settings were not applied
	// iris_sklearn.py [0.01] local Python
	// map[EXAMPLE_ENV_VAR:Example Value]
}

func ExampleArgumentStrings() {
	src := runconfig.ScriptRunConfig{
		SourceDirectory: ".",
		Script:          "train.py",
		Arguments:       []any{"--epochs", 3, "--lr", 0.5, "--scale", 1.0, "--big", 1e20, "--fast", true, "--name", "3"},
	}
	rc, err := src.RunConfiguration()
	if err != nil {
		fmt.Println(err)
		return
	}
	js, _ := rc.JSON()
	var doc struct {
		Arguments json.RawMessage `json:"arguments"`
	}
	_ = json.Unmarshal(js, &doc)
	var compact bytes.Buffer
	_ = json.Compact(&compact, doc.Arguments)
	fmt.Println("run definition:", compact.String())
	// What the script sees in sys.argv[1:]: Python's str() of each argument.
	fmt.Printf("sys.argv[1:]: %q\n", runconfig.ArgumentStrings(rc.Arguments))
	// Output:
	// run definition: ["--epochs",3,"--lr",0.5,"--scale",1.0,"--big",1e+20,"--fast",true,"--name","3"]
	// sys.argv[1:]: ["--epochs" "3" "--lr" "0.5" "--scale" "1.0" "--big" "1e+20" "--fast" "True" "--name" "3"]
}

func ExampleScriptRunConfig_RunConfiguration() {
	src := runconfig.ScriptRunConfig{
		SourceDirectory:      ".",
		Script:               "train.py",
		ComputeTarget:        "gpu-cluster",
		Environment:          runconfig.NewEnvironment("myenv"),
		DistributedJobConfig: runconfig.MpiConfiguration{ProcessCountPerNode: 2, NodeCount: 2},
	}
	rc, err := src.RunConfiguration()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rc.Target, rc.Framework, rc.Communicator, rc.NodeCount, rc.MPI.ProcessCountPerNode)
	fmt.Println(*rc.MaxRunDurationSeconds, rc.Environment.Name)
	// Output:
	// gpu-cluster Python IntelMpi 2 2
	// 2592000 myenv
}

func ExampleRunConfiguration_Validate() {
	rc := runconfig.New()
	rc.Script = "train.py"
	rc.Target = ""
	rc.NodeCount = 0
	rc.Arguments = []any{"--config", map[string]int{"a": 1}}
	err := rc.Validate("")
	fmt.Println(err)
	fmt.Println(errors.Is(err, runconfig.ErrNoTarget), errors.Is(err, runconfig.ErrInvalid))
	// Output:
	// runconfig: arguments[1] has unsupported type map[string]int; use a string, an integer, a float64 or a bool
	// runconfig: Must specify a target either through run configuration or arguments.
	// runconfig: nodeCount must be at least 1, got 0
	// true true
}

func ExampleSecret() {
	rc := runconfig.New()
	rc.Environment.Docker.BaseImageRegistry.Password = "hunter2"
	fmt.Println(rc.Environment.Docker.BaseImageRegistry.Password)
	fmt.Printf("%+v\n", rc.Environment.Docker.BaseImageRegistry)
	// Output:
	// ***
	// {Address: Username: Password:*** RegistryIdentity:<nil>}
}

// With RunConfig set, azureml-core 1.50 ignores ScriptRunConfig's ComputeTarget: the run goes to
// RunConfig.Target. Warnings says so (experiment.Submit passes it to SubmitOptions.OnWarning).
func ExampleScriptRunConfig_Warnings() {
	rc := runconfig.New() // target "local"
	src := runconfig.ScriptRunConfig{SourceDirectory: ".", Script: "train.py", ComputeTarget: "cpu-cluster", RunConfig: rc}
	for _, w := range src.Warnings() {
		fmt.Println(w)
	}
	eff, _ := src.RunConfiguration()
	fmt.Println("target:", eff.Target)
	// Output:
	// ScriptRunConfig.ComputeTarget "cpu-cluster" is ignored because RunConfig is set: the run goes to RunConfig.Target "local"; set RunConfig.Target to choose the target
	// target: local
}
