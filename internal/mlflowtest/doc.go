// Package mlflowtest runs a real MLflow tracking server for tests: `mlflow server` from the
// pinned venv of .ci/mlflow-requirements.txt (AMLGO_MLFLOW names its mlflow executable), with a
// SQLite backend and a local artifact root in a temporary directory, on a free port of
// 127.0.0.1, stopped (its whole process group) when the test ends.
//
// Start gives a test its own server. The server needs several seconds to start (7–9 s on two
// cores; the server's background job runner, which would add eight processes and about 7 s,
// is turned off with MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false), so a package whose tests share
// one can use Shared instead, started on first use and stopped by Main:
//
//	func TestMain(m *testing.M) { os.Exit(mlflowtest.Main(m)) }
//
// Without AMLGO_MLFLOW both skip the test (testenv.SkipOrFail: a failure under
// AMLGO_REQUIRE_INTEGRATION=1). By hand:
//
//	python3 -m venv VENV && VENV/bin/pip install -r .ci/mlflow-requirements.txt
//	export AMLGO_MLFLOW=$PWD/VENV/bin/mlflow
//
// NewProxy puts an HTTP proxy in front of a server that checks a bearer token, counts calls
// per endpoint and can answer some calls itself (throttling, outages), as Azure ML's endpoint
// would.
package mlflowtest
