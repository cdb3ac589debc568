package testenv

import "testing"

// AzureAIMLPythonEnv names the Python interpreter that has the real azure-ai-ml (Azure ML's
// Python SDK v2) installed: the oracle of the code asset content hash and the baseline of the
// code upload benchmark. .ci/run sets it; by hand:
//
//	python3 -m venv VENV && VENV/bin/pip install -r .ci/azure-ai-ml-requirements.txt
//	export AMLGO_AZURE_AI_ML_PYTHON=VENV/bin/python
const AzureAIMLPythonEnv = "AMLGO_AZURE_AI_ML_PYTHON"

// AzureAIMLVersion is the azure-ai-ml release pinned in .ci/azure-ai-ml-requirements.txt.
const AzureAIMLVersion = "1.35.2"

var azureAIMLProbe = probe{
	env: AzureAIMLPythonEnv, pkg: "azure-ai-ml", want: AzureAIMLVersion, purpose: "the azure-ai-ml oracle tests",
	check:   "import azure.ai.ml._utils._asset_utils, importlib.metadata as m; print(m.version('azure-ai-ml'))",
	install: ".ci/azure-ai-ml-requirements.txt",
}

// AzureAIMLPython returns an interpreter that imports azure-ai-ml AzureAIMLVersion: the one
// named by AMLGO_AZURE_AI_ML_PYTHON, or else python3 on PATH when it has that azure-ai-ml. The
// rules are AzureMLPython's: without one the test is skipped (failed under
// AMLGO_REQUIRE_INTEGRATION=1); a set variable naming an unusable interpreter or another
// azure-ai-ml version fails the test.
func AzureAIMLPython(t testing.TB) string {
	t.Helper()
	return azureAIMLProbe.interpreter(t)
}
