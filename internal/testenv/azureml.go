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

type probe struct {
	once    sync.Once
	python  string
	reason  string // why there is no oracle ("" when python is set)
	version string
}

var azuremlProbe probe

// AzureMLPython returns an interpreter that imports azureml-core AzureMLVersion: the one named
// by AMLGO_AZUREML_PYTHON, or else python3 on PATH when it has that azureml-core. Without one
// the test is skipped (failed under AMLGO_REQUIRE_INTEGRATION=1) with a message saying how to
// install it. A set variable naming an unusable interpreter, or another azureml-core version,
// fails the test: a differential test must not silently compare against the wrong oracle.
func AzureMLPython(t testing.TB) string {
	t.Helper()
	p := &azuremlProbe
	p.once.Do(p.run)
	if p.python == "" {
		if os.Getenv(AzureMLPythonEnv) != "" {
			t.Fatalf("%s: %s", AzureMLPythonEnv, p.reason)
		}
		SkipOrFail(t, p.reason+"; to run the differential tests: python3 -m venv VENV && "+
			"VENV/bin/pip install -r .ci/azureml-oracle-requirements.txt && export "+AzureMLPythonEnv+"=VENV/bin/python")
	}
	return p.python
}

func (p *probe) run() {
	python := os.Getenv(AzureMLPythonEnv)
	explicit := python != ""
	if !explicit {
		var err error
		if python, err = exec.LookPath("python3"); err != nil {
			p.reason = AzureMLPythonEnv + " is not set and there is no python3"
			return
		}
	}
	out, err := exec.Command(python, "-c", "import azureml.core; print(azureml.core.VERSION)").Output()
	if err != nil {
		if explicit {
			p.reason = python + " cannot import azureml.core: " + exitText(err)
		} else {
			p.reason = AzureMLPythonEnv + " is not set and python3 has no azureml-core"
		}
		return
	}
	p.version = strings.TrimSpace(string(out))
	if p.version != AzureMLVersion {
		if explicit {
			p.reason = python + " has azureml-core " + p.version + ", the differential tests need " + AzureMLVersion
		} else {
			p.reason = AzureMLPythonEnv + " is not set and python3's azureml-core is " + p.version + ", not " + AzureMLVersion
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
