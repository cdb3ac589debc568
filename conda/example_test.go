package conda_test

import (
	"fmt"
	"strings"

	"github.com/amlgo/amlgo/conda"
)

func ExampleCreate() {
	d, err := conda.Create(&conda.CreateOptions{CondaPackages: []string{"scikit-learn"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.CondaPackages())
	fmt.Println(d.PipPackages())
	fmt.Println(d.Channels())
	// The template's header comments keep their CRLF line endings, as in
	// azureml; strip them for display.
	out := strings.ReplaceAll(string(d.Serialize()), "\r", "")
	fmt.Print(out[strings.Index(out, "name:"):])
	// Output:
	// [python=3.8.13 scikit-learn]
	// [azureml-defaults~=1.50.0]
	// [anaconda conda-forge]
	// name: project_environment
	// dependencies:
	//   # The python interpreter version.
	//   # Currently Azure ML only supports 3.8 and later.
	// - python=3.8.13
	//
	// - pip:
	//   - azureml-defaults~=1.50.0
	// - scikit-learn
	// channels:
	// - anaconda
	// - conda-forge
}

func ExampleParse() {
	d, err := conda.Parse([]byte(`name: training
dependencies:
  # interpreter
  - python=3.7.*
  - pip:
      - numpy==1.16.2 # pinned
`))
	if err != nil {
		panic(err)
	}
	fmt.Printf("python version %q\n", d.PythonVersion())
	if err := d.AddPipPackage("numpy==1.21.0"); err != nil {
		panic(err)
	}
	if err := d.AddChannel("conda-forge"); err != nil {
		panic(err)
	}
	fmt.Print(string(d.Serialize()))
	// Output:
	// python version ""
	// name: training
	// dependencies:
	//   # interpreter
	// - python=3.7.*
	// - pip:
	//   - numpy==1.21.0
	// channels:
	// - conda-forge
}

func ExampleDependencies_AddCondaPackage() {
	d := conda.New()
	_ = d.AddCondaPackage("numpy")
	_ = d.AddCondaPackage("numpy=1.21") // does not replace "numpy"
	_ = d.AddCondaPackage("python=3.9.7")
	fmt.Println(d.CondaPackages())
	fmt.Println(d.PythonVersion())
	fmt.Println(d.RemoveCondaPackage("python=3.9.7"))
	// Output:
	// [python=3.9.7 numpy numpy=1.21]
	// 3.9.7
	// conda: python must not be removed from conda dependencies
}

func ExampleDependencies_SetPipOption() {
	d := conda.New()
	_ = d.SetPipIndexURL("--index-url https://example.org/simple")
	_ = d.SetPipOption("--index-url https://mirror.example.org/simple")
	fmt.Println(d.PipOptions())
	fmt.Println(d.PipPackages())
	fmt.Println(d.AddPipPackage("--pre"))
	// Output:
	// [--index-url https://mirror.example.org/simple]
	// [azureml-defaults]
	// conda: Invalid package name --pre
}

func ExampleDependencies_Hash() {
	a, _ := conda.Parse([]byte("name: a\ndependencies: [python=3.8, numpy]\n"))
	b, _ := conda.Parse([]byte("name: b # other name\ndependencies:\n- python=3.8\n- numpy\n"))
	fmt.Println(len(a.Hash()), a.Hash() == b.Hash())
	fmt.Println(strings.HasPrefix("azureml_"+a.Hash(), "azureml_"))
	// Output:
	// 32 true
	// true
}

func ExampleParse_unknownKey() {
	_, err := conda.Parse([]byte("name: x\nversion: '8'\n"))
	fmt.Println(err)
	// Output:
	// conda: Environment error: unknown version key in environment specification
}
