package driver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLayoutCoversEveryContractPath(t *testing.T) {
	p := SlashLayout("/runs/r1")
	want := map[string]string{
		"RunDir": "/runs/r1", "WorkDir": "/runs/r1/wd", "OutputsDir": "/runs/r1/wd/outputs",
		"LogsDir": "/runs/r1/wd/logs", "SetupDir": "/runs/r1/azureml-setup",
		"Wrapper": "/runs/r1/azureml-setup/driver.sh", "ShimDir": "/runs/r1/azureml-setup/shim",
		"PID": "/runs/r1/azureml-setup/pid", "ChildPGID": "/runs/r1/azureml-setup/child_pgid",
		"StartedAt": "/runs/r1/azureml-setup/started_at", "EndedAt": "/runs/r1/azureml-setup/ended_at",
		"ExitCode": "/runs/r1/azureml-setup/exit_code", "Reason": "/runs/r1/azureml-setup/reason",
		"KillFile": "/runs/r1/azureml-setup/killfile", "AzureLogs": "/runs/r1/azureml-logs",
		"ControlLog": "/runs/r1/azureml-logs/60_control_log.txt",
		"DriverLog":  "/runs/r1/azureml-logs/70_driver_log.txt",
		"Metrics":    "/runs/r1/metrics.jsonl", "UploadsDir": "/runs/r1/uploads",
	}
	v := reflect.ValueOf(p)
	require.Equal(t, len(want), v.NumField(), "every field is checked")
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		assert.Equal(t, want[name], v.Field(i).String(), name)
	}
	local := Layout(filepath.FromSlash("/runs/r1"))
	assert.Equal(t, filepath.FromSlash("/runs/r1/azureml-setup/exit_code"), local.ExitCode)
}

func TestCommand(t *testing.T) {
	p := SlashLayout("/runs/r1")
	assert.Equal(t, []string{"bash", "/runs/r1/azureml-setup/driver.sh", "/runs/r1", "0", "10", "--", "python", "train.py"},
		p.Command([]string{"python", "train.py"}, nil))
	assert.Equal(t, []string{"bash", "/runs/r1/azureml-setup/driver.sh", "/runs/r1", "2", "0", "--", "x"},
		p.Command([]string{"x"}, &CommandOptions{MaxDuration: 1500 * time.Millisecond, Grace: -1}))
	assert.Equal(t, []string{"bash", "/runs/r1/azureml-setup/driver.sh", "/runs/r1", "2592000", "1", "--", "x"},
		p.Command([]string{"x"}, &CommandOptions{MaxDuration: 2592000 * time.Second, Grace: time.Millisecond}))
}

func TestWriteWrapper(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "azureml-setup", "driver.sh")
	require.NoError(t, WriteWrapper(path))
	require.NoError(t, WriteWrapper(path)) // replaces
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, WrapperScript, b)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), st.Mode().Perm())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files left")
}

func TestParseStateFiles(t *testing.T) {
	n, err := ParseExitCode([]byte("143\n"))
	require.NoError(t, err)
	assert.Equal(t, 143, n)
	_, err = ParseExitCode([]byte(""))
	assert.True(t, errors.Is(err, ErrMalformed))
	_, err = ParsePID([]byte("0\n"))
	assert.True(t, errors.Is(err, ErrMalformed))

	ts, err := ParseTimestamp([]byte("2026-01-02T03:04:05.123456789Z\n"))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), ts)
	_, err = ParseTimestamp([]byte("yesterday"))
	assert.True(t, errors.Is(err, ErrMalformed))

	for in, want := range map[string]Reason{"": ReasonNone, "canceled\n": ReasonCanceled, "timeout": ReasonTimeout} {
		r, err := ParseReason([]byte(in))
		require.NoError(t, err)
		assert.Equal(t, want, r)
	}
	_, err = ParseReason([]byte("bored"))
	assert.True(t, errors.Is(err, ErrMalformed))
}

func TestParseRecords(t *testing.T) {
	data := []byte(`{"run_id":"r","seq":1,"pid":9,"ts":"2026-01-02T03:04:05.000000001Z","kind":"metric","type":"scalar","name":"a","value":1,"description":"","step":2}
not json
{"run_id":"r","seq":2,"pid":9,"ts":"2026-01-02T03:04:06Z","kind":"tag","key":"k","value":null}

{"run_id":"r","seq":3,"pid":9,"ts":"2026-01-02T03:04:07Z","kind":"file","name":"outp`)
	recs, n, err := ParseRecords(data, 100)
	assert.True(t, errors.Is(err, ErrMalformed))
	assert.Contains(t, err.Error(), fmt.Sprintf("(offset %d)", 100+bytes.IndexByte(data, '\n')+1))
	assert.True(t, strings.HasPrefix(err.Error(), "driver: "))
	require.Len(t, recs, 2)
	assert.Equal(t, int64(100), recs[0].Offset)
	assert.Equal(t, KindMetric, recs[0].Kind)
	require.NotNil(t, recs[0].Step)
	assert.Equal(t, int64(2), *recs[0].Step)
	assert.Equal(t, 1, recs[0].TS.Nanosecond())
	assert.Equal(t, KindTag, recs[1].Kind)
	assert.Equal(t, "null", string(recs[1].Value))
	assert.Equal(t, "k", recs[1].Key)
	assert.Equal(t, byteIndexAfterLastNewline(data), n, "the partial last line is not consumed")

	_, err = ParseRecord([]byte(`{"seq":1}`))
	assert.True(t, errors.Is(err, ErrMalformed))
}

func byteIndexAfterLastNewline(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return i + 1
		}
	}
	return 0
}
