package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// AzureAIMLPythonEnv names the Python interpreter that has the real azure-ai-ml (Azure ML's
// Python SDK v2) installed: the oracle of the code asset content hash and the baseline of the
// code upload benchmark. .ci/run sets it; by hand:
//
//	python3 -m venv VENV && VENV/bin/pip install -r .ci/azure-ai-ml-requirements.txt
//	export AMLGO_AZURE_AI_ML_PYTHON=VENV/bin/python
const AzureAIMLPythonEnv = "AMLGO_AZURE_AI_ML_PYTHON"

// AzureAIMLVersion is the azure-ai-ml release pinned in .ci/azure-ai-ml-requirements.txt.
const AzureAIMLVersion = "1.35.2"

var azureAIMLProbe probe

// AzureAIMLPython returns an interpreter that imports azure-ai-ml AzureAIMLVersion: the one
// named by AMLGO_AZURE_AI_ML_PYTHON, or else python3 on PATH when it has that azure-ai-ml. The
// rules are AzureMLPython's: without one the test is skipped (failed under
// AMLGO_REQUIRE_INTEGRATION=1); a set variable naming an unusable interpreter or another
// azure-ai-ml version fails the test.
func AzureAIMLPython(t testing.TB) string {
	t.Helper()
	p := &azureAIMLProbe
	p.once.Do(p.runAzureAIML)
	if p.python == "" {
		if os.Getenv(AzureAIMLPythonEnv) != "" {
			t.Fatalf("%s: %s", AzureAIMLPythonEnv, p.reason)
		}
		SkipOrFail(t, p.reason+"; to run the azure-ai-ml oracle tests: python3 -m venv VENV && "+
			"VENV/bin/pip install -r .ci/azure-ai-ml-requirements.txt && export "+AzureAIMLPythonEnv+"=VENV/bin/python")
	}
	return p.python
}

func (p *probe) runAzureAIML() {
	python := os.Getenv(AzureAIMLPythonEnv)
	explicit := python != ""
	if !explicit {
		var err error
		if python, err = exec.LookPath("python3"); err != nil {
			p.reason = AzureAIMLPythonEnv + " is not set and there is no python3"
			return
		}
	}
	out, err := exec.Command(python, "-c",
		"import azure.ai.ml._utils._asset_utils, importlib.metadata as m; print(m.version('azure-ai-ml'))").Output()
	if err != nil {
		if explicit {
			p.reason = python + " cannot import azure.ai.ml: " + exitText(err)
		} else {
			p.reason = AzureAIMLPythonEnv + " is not set and python3 has no azure-ai-ml"
		}
		return
	}
	p.version = strings.TrimSpace(string(out))
	if p.version != AzureAIMLVersion {
		if explicit {
			p.reason = python + " has azure-ai-ml " + p.version + ", the oracle tests need " + AzureAIMLVersion
		} else {
			p.reason = AzureAIMLPythonEnv + " is not set and python3's azure-ai-ml is " + p.version + ", not " + AzureAIMLVersion
		}
		return
	}
	p.python = python
}
