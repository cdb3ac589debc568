package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// AzureMLPythonEnv names the Python interpreter that has the real azureml-core installed,
// the oracle of the differential tests. .ci/run sets it; by hand:
//
//	python3 -m venv VENV && VENV/bin/pip install -r .ci/azureml-oracle-requirements.txt
//	export AMLGO_AZUREML_PYTHON=VENV/bin/python
const AzureMLPythonEnv = "AMLGO_AZUREML_PYTHON"

// AzureMLVersion is the azureml-core release amlgo mirrors and the oracle must be.
const AzureMLVersion = "1.50.0"

// probe finds, once, a Python interpreter with one pinned package: the one an environment
// variable names, or else python3 on PATH when it has that package at that version.
type probe struct {
	env     string // the variable naming the interpreter
	pkg     string // the package's name, for messages ("azureml-core")
	want    string // the version the tests need
	check   string // Python code that imports the package and prints its version
	purpose string // "the differential tests", for messages
	install string // the requirements file that installs it
	once    sync.Once
	python  string
	reason  string // why there is no interpreter ("" when python is set)
	version string
}

var azuremlProbe = probe{
	env: AzureMLPythonEnv, pkg: "azureml-core", want: AzureMLVersion, purpose: "the differential tests",
	check: "import azureml.core; print(azureml.core.VERSION)", install: ".ci/azureml-oracle-requirements.txt",
}

// AzureMLPython returns an interpreter that imports azureml-core AzureMLVersion: the one named
// by AMLGO_AZUREML_PYTHON, or else python3 on PATH when it has that azureml-core. Without one
// the test is skipped (failed under AMLGO_REQUIRE_INTEGRATION=1) with a message saying how to
// install it. A set variable naming an unusable interpreter, or another azureml-core version,
// fails the test: a differential test must not silently compare against the wrong oracle.
func AzureMLPython(t testing.TB) string {
	t.Helper()
	return azuremlProbe.interpreter(t)
}

// interpreter applies the skip/fail rules of AzureMLPython to p.
func (p *probe) interpreter(t testing.TB) string {
	t.Helper()
	p.once.Do(p.run)
	if p.python == "" {
		if os.Getenv(p.env) != "" {
			t.Fatalf("%s: %s", p.env, p.reason)
		}
		SkipOrFail(t, p.reason+"; to run "+p.purpose+": python3 -m venv VENV && "+
			"VENV/bin/pip install -r "+p.install+" && export "+p.env+"=VENV/bin/python")
	}
	return p.python
}

func (p *probe) run() {
	python := os.Getenv(p.env)
	explicit := python != ""
	if !explicit {
		var err error
		if python, err = exec.LookPath("python3"); err != nil {
			p.reason = p.env + " is not set and there is no python3"
			return
		}
	}
	out, err := exec.Command(python, "-c", p.check).Output()
	if err != nil {
		if explicit {
			p.reason = python + " cannot import " + p.pkg + ": " + exitText(err)
		} else {
			p.reason = p.env + " is not set and python3 has no " + p.pkg
		}
		return
	}
	p.version = strings.TrimSpace(string(out))
	if p.version != p.want {
		if explicit {
			p.reason = python + " has " + p.pkg + " " + p.version + ", " + p.purpose + " need " + p.want
		} else {
			p.reason = p.env + " is not set and python3's " + p.pkg + " is " + p.version + ", not " + p.want
		}
		return
	}
	p.python = python
}

func exitText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		lines := strings.Split(strings.TrimSpace(string(ee.Stderr)), "\n")
		return lines[len(lines)-1]
	}
	return err.Error()
}

// RunOracle runs one batch through a Python helper script with the azureml-core interpreter:
// python script OUT, with the JSON encoding of in on stdin; the script writes its JSON answer
// to the file OUT (stdout stays free for anything azureml prints), which is decoded into out.
// The script's stderr is shown when it fails.
func RunOracle(t testing.TB, python, script string, in, out any) {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("oracle input: %v", err)
	}
	outFile := filepath.Join(t.TempDir(), "oracle-out.json")
	cmd := exec.Command(python, script, outFile)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8", "PYTHONUTF8=1")
	if err := cmd.Run(); err != nil {
		t.Fatalf("oracle %s: %v\n%s", script, err, stderr.String())
	}
	res, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatalf("oracle %s wrote no answer: %v\n%s", script, err, stderr.String())
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("oracle %s: decoding its answer: %v", script, err)
	}
}
