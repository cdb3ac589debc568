package driver

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShimRecordStream: a Spark driver in a YARN container (AMLGO_RECORD_STREAM=stderr, no run
// directory) writes each record to stderr after the marker the Spark supervisor looks for, in
// the metrics.jsonl record format.
func TestShimRecordStream(t *testing.T) {
	py := python(t)
	p := newRunDir(t)
	env := append(cleanEnv(), "PYTHONPATH="+p.ShimDir, "AZUREML_RUN_ID=spark_1_00000000", "AMLGO_RECORD_STREAM=stderr")
	cmd := exec.Command(py, "-c", "from azureml.core import Run\nr = Run.get_context()\nprint(r.id)\nr.log('acc', 0.5)\nr.log('acc', 0.75)\nprint(r.get_metrics())\n")
	cmd.Dir = p.WorkDir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	assert.Equal(t, "spark_1_00000000\n{'acc': [0.5, 0.75]}\n", stdout.String())
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	require.Len(t, lines, 2, stderr.String())
	var data []byte
	for _, l := range lines {
		body, ok := strings.CutPrefix(l, "\x1eamlgo-record ")
		require.True(t, ok, l)
		data = append(data, body+"\n"...)
	}
	recs, n, err := ParseRecords(data, 0)
	require.NoError(t, err)
	assert.Equal(t, len(data), n)
	require.Len(t, recs, 2)
}
