package sparksubmit

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Recorded-argv stand-ins for spark-submit and yarn. The fake spark-submit records its argv
// and environment, announces application_1700000000000_0001 as YARN's client does, reports
// RUNNING until $REC/finish exists and exits with $REC/exit (default 0). The fake yarn records
// each call; `application -kill` sets the final status KILLED and finishes the submission,
// `application -status` reports $REC/final, and `logs` prints $REC/am.stdout and $REC/am.stderr
// in yarn logs' format (LogAggregationType from $REC/aggtype).
const fakeSparkSubmit = `#!/bin/sh
printf '%s\n' "$@" >"$REC/submit.argv"
echo "PYSPARK_PYTHON=$PYSPARK_PYTHON" >"$REC/submit.env"
echo "26/12/02 17:29:33 INFO YarnClientImpl: Submitted application application_1700000000000_0001"
trap 'echo "spark-submit: terminated"; exit 143' TERM
while [ ! -e "$REC/finish" ]; do
  echo "INFO Client: Application report for application_1700000000000_0001 (state: RUNNING)"
  sleep 0.05
done
echo "INFO Client: Application report for application_1700000000000_0001 (state: FINISHED)"
exit "$(cat "$REC/exit" 2>/dev/null || echo 0)"
`

const fakeYARN = `#!/bin/sh
echo "$*" >>"$REC/yarn.calls"
case "$1 $2" in
"application -kill") echo KILLED >"$REC/final"; echo AGGREGATED >"$REC/aggtype"; : >"$REC/finish"; echo "Killed application $3" ;;
"application -status") printf 'Application Report : \n\tApplication-Id : %s\n\tFinal-State : %s\n' "$3" "$(cat "$REC/final" 2>/dev/null || echo UNDEFINED)" ;;
"logs "*)
  found=
  for f in stdout stderr; do
    [ -f "$REC/am.$f" ] || continue
    found=1
    printf 'Container: %s on localhost_45454\nLogAggregationType: %s\n====\nLogType:%s\nLogLastModifiedTime:Wed Dec 02 17:30:00 +0000 2026\nLogLength:%d\nLogContents:\n' \
      "$5" "$(cat "$REC/aggtype" 2>/dev/null || echo LOCAL)" "$f" "$(wc -c <"$REC/am.$f")"
    cat "$REC/am.$f"
    printf '\nEnd of LogType:%s\n*****\n\n' "$f"
  done
  [ -n "$found" ] || { echo "Can not find any log file matching the pattern" >&2; exit 255; }
  ;;
esac
`

type fakeCluster struct {
	dir, rec string
	job      Job
	log      string
}

func newFakeCluster(t *testing.T, cluster bool) *fakeCluster {
	t.Helper()
	dir := t.TempDir()
	f := &fakeCluster{dir: dir, rec: filepath.Join(dir, "rec"), log: filepath.Join(dir, "driver_log.txt")}
	require.NoError(t, os.Mkdir(f.rec, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "spark-submit"), []byte(fakeSparkSubmit), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "yarn"), []byte(fakeYARN), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "wd", "pkg"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "wd", "outputs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wd", "train.py"), []byte("import pkg.m\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wd", "pkg", "m.py"), []byte("X = 1\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wd", "outputs", "big.bin"), []byte("x"), 0o644))
	argv, err := Submission{SparkSubmit: filepath.Join(dir, "spark-submit"), Master: "yarn", DeployMode: map[bool]string{true: "cluster", false: "client"}[cluster],
		PyFiles: []string{filepath.Join(dir, "snapshot.zip")}, Script: "train.py", Args: []string{"--n", "1"}}.Argv()
	require.NoError(t, err)
	f.job = Job{
		Submit: argv, Env: map[string]string{"PYSPARK_PYTHON": "./amlgo_env/bin/python"},
		Zips:    []Zip{{Src: filepath.Join(dir, "wd"), Dest: filepath.Join(dir, "snapshot.zip"), Exclude: []string{"outputs", "logs"}}},
		YARN:    YARNCommands(filepath.Join(dir, "yarn")),
		Cluster: cluster, SubmitLog: filepath.Join(dir, "submit_log.txt"),
		AppIDFile: filepath.Join(dir, "app_id"), FinalStatusFile: filepath.Join(dir, "final_status"),
		RecordsFile: filepath.Join(dir, "metrics.jsonl"), PollSeconds: 0.1, FinalLogsSeconds: 5,
	}
	return f
}

// start runs the supervisor as the driver wrapper would: stdout and stderr on the driver log.
func (f *fakeCluster) start(t *testing.T) *exec.Cmd {
	t.Helper()
	data, err := f.job.Marshal()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, "job.json"), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, "supervisor.py"), Supervisor(), 0o644))
	out, err := os.OpenFile(f.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	t.Cleanup(func() { out.Close() })
	cmd := exec.Command("python3", filepath.Join(f.dir, "supervisor.py"), filepath.Join(f.dir, "job.json"))
	cmd.Dir, cmd.Stdout, cmd.Stderr = filepath.Join(f.dir, "wd"), out, out
	cmd.Env = append(os.Environ(), "REC="+f.rec)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd
}

func (f *fakeCluster) write(t *testing.T, name, data string) {
	t.Helper()
	p := filepath.Join(f.rec, name)
	fd, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	_, err = fd.WriteString(data)
	require.NoError(t, err)
	require.NoError(t, fd.Close())
}

// waitFile waits until path's content satisfies ok.
func waitFile(t *testing.T, path string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if ok(string(b)) {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never got what was awaited; it holds:\n%s", path, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func contains(s string) func(string) bool {
	return func(x string) bool { return strings.Contains(x, s) }
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

func TestSupervisorClusterModeStreamsAMLogsOnce(t *testing.T) {
	f := newFakeCluster(t, true)
	cmd := f.start(t)
	waitFile(t, f.job.AppIDFile, contains("application_1700000000000_0001\n"))
	f.write(t, "am.stdout", "line1\npart")
	waitFile(t, f.log, contains("line1\n"))
	f.write(t, "am.stdout", "ial line2\n"+RecordMarker+`{"name":"acc","value":0.9}`+"\n")
	waitFile(t, f.log, contains("partial line2\n"))
	f.write(t, "am.stderr", "err1\n")
	f.write(t, "final", "SUCCEEDED\n")
	f.write(t, "aggtype", "AGGREGATED\n")
	f.write(t, "am.stdout", "last line, no newline")
	f.write(t, "finish", "")
	assert.Equal(t, 0, exitCode(t, cmd))

	log, _ := os.ReadFile(f.log)
	for _, line := range []string{"line1\n", "partial line2\n", "err1\n", "last line, no newline"} {
		assert.Equal(t, 1, strings.Count(string(log), line), "%q once in:\n%s", line, log)
	}
	assert.NotContains(t, string(log), "acc", "the record is not in the driver log")
	assert.NotContains(t, string(log), "Application report", "spark-submit's reports go to the submit log")
	rec, _ := os.ReadFile(f.job.RecordsFile)
	assert.Equal(t, `{"name":"acc","value":0.9}`+"\n", string(rec))
	assert.Equal(t, "SUCCEEDED\n", waitFile(t, f.job.FinalStatusFile, contains("\n")))
	sub, _ := os.ReadFile(f.job.SubmitLog)
	assert.Contains(t, string(sub), "state: FINISHED")
	argv, _ := os.ReadFile(filepath.Join(f.rec, "submit.argv"))
	assert.Equal(t, strings.Join(f.job.Submit[1:], "\n")+"\n", string(argv))
	env, _ := os.ReadFile(filepath.Join(f.rec, "submit.env"))
	assert.Equal(t, "PYSPARK_PYTHON=./amlgo_env/bin/python\n", string(env))
	calls, _ := os.ReadFile(filepath.Join(f.rec, "yarn.calls"))
	assert.Contains(t, string(calls), "logs -applicationId application_1700000000000_0001 -containerId container_1700000000000_0001_01_000001 -log_files stdout,stderr\n")
	assert.Contains(t, string(calls), "application -status application_1700000000000_0001\n")
	assert.NotContains(t, string(calls), "-kill")

	zipList, err := exec.Command("python3", "-m", "zipfile", "-l", filepath.Join(f.dir, "snapshot.zip")).Output()
	require.NoError(t, err)
	assert.Contains(t, string(zipList), "pkg/m.py")
	assert.Contains(t, string(zipList), "train.py")
	assert.NotContains(t, string(zipList), "big.bin", "outputs/ is not shipped")
}

func TestSupervisorFailedApplication(t *testing.T) {
	f := newFakeCluster(t, true)
	f.write(t, "exit", "0\n") // spark-submit's exit code alone would say success
	cmd := f.start(t)
	waitFile(t, f.job.AppIDFile, contains("application_"))
	f.write(t, "am.stderr", "Traceback (most recent call last):\nValueError: bad data\n")
	f.write(t, "final", "FAILED\n")
	f.write(t, "aggtype", "AGGREGATED\n")
	f.write(t, "finish", "")
	assert.Equal(t, 1, exitCode(t, cmd), "YARN's final status FAILED fails the run")
	log, _ := os.ReadFile(f.log)
	assert.Equal(t, 1, strings.Count(string(log), "ValueError: bad data\n"), string(log))
	assert.Contains(t, string(log), "YARN application application_1700000000000_0001 ended with final status FAILED")
	assert.Contains(t, string(log), "state: FINISHED", "the end of spark-submit's output is in the driver log")
}

func TestSupervisorCancelKillsTheApplication(t *testing.T) {
	for _, cluster := range []bool{true, false} {
		t.Run(map[bool]string{true: "cluster", false: "client"}[cluster], func(t *testing.T) {
			f := newFakeCluster(t, cluster)
			cmd := f.start(t)
			waitFile(t, f.job.AppIDFile, contains("application_"))
			if cluster {
				f.write(t, "am.stdout", "working\n")
				waitFile(t, f.log, contains("working\n"))
			} else {
				waitFile(t, f.log, contains("state: RUNNING"))
			}
			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			assert.Equal(t, 143, exitCode(t, cmd))
			calls, _ := os.ReadFile(filepath.Join(f.rec, "yarn.calls"))
			assert.Contains(t, string(calls), "application -kill application_1700000000000_0001\n")
			assert.Equal(t, "KILLED\n", waitFile(t, f.job.FinalStatusFile, contains("\n")))
			log, _ := os.ReadFile(f.log)
			assert.Contains(t, string(log), "amlgo: Killed YARN application application_1700000000000_0001")
			if cluster {
				assert.Equal(t, 1, bytes.Count(log, []byte("working\n")))
			}
		})
	}
}

func TestSupervisorMasksRepositoryCredentials(t *testing.T) {
	f := newFakeCluster(t, false)
	f.job.Submit = append(f.job.Submit[:1:1], append([]string{"--repositories", "https://user:s3cret@repo.example/maven"}, f.job.Submit[1:]...)...)
	f.write(t, "final", "SUCCEEDED\n")
	f.write(t, "finish", "")
	cmd := f.start(t)
	assert.Equal(t, 0, exitCode(t, cmd))
	log, _ := os.ReadFile(f.log)
	assert.NotContains(t, string(log), "s3cret")
	assert.Contains(t, string(log), "https://***@repo.example/maven")
}
