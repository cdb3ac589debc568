package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PySparkPythonEnv names the Python interpreter that has pyspark (set by .ci/spark.sh).
const PySparkPythonEnv = "AMLGO_PYSPARK_PYTHON"

// PySparkPython returns the interpreter of $AMLGO_PYSPARK_PYTHON after checking that it
// imports pyspark and that java runs, or skips (fails under AMLGO_REQUIRE_INTEGRATION=1).
func PySparkPython(t testing.TB) string {
	t.Helper()
	py := os.Getenv(PySparkPythonEnv)
	if py == "" {
		SkipOrFail(t, PySparkPythonEnv+" is not set (an interpreter with pyspark; .ci/spark.sh makes one)")
	}
	if out, err := exec.Command(py, "-c", "import pyspark; print(pyspark.__version__)").CombinedOutput(); err != nil {
		SkipOrFail(t, PySparkPythonEnv+"="+py+" cannot import pyspark: "+strings.TrimSpace(string(out)))
	}
	if _, err := exec.LookPath("java"); err != nil {
		SkipOrFail(t, "java is not on PATH (Spark needs a JDK)")
	}
	return py
}

// SparkHome is the pyspark package directory of the interpreter py (its bin/ has spark-submit
// and spark-class).
func SparkHome(t testing.TB, py string) string {
	t.Helper()
	out, err := exec.Command(py, "-c", "import os, pyspark; print(os.path.dirname(os.path.abspath(pyspark.__file__)))").Output()
	if err != nil {
		t.Fatalf("testenv: locating pyspark of %s: %v", py, err)
	}
	return filepath.Clean(strings.TrimSpace(string(out)))
}
