package runconfig

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	src := t.TempDir()
	rc := New()
	rc.Script = "missing.py"
	rc.Target = ""
	rc.Framework = "Fortran"
	rc.Communicator = "Pigeon"
	rc.NodeCount = 0
	rc.HDI.YarnDeployMode = "sideways"
	rc.MaxRunDurationSeconds = intp(0)
	rc.Environment.Docker.BaseDockerfile = "FROM x"
	rc.Environment.Docker.BaseImageRegistry = ContainerRegistry{Username: "u", Password: "s3cr3t-pw"}
	rc.DataReferences = map[string]DataReferenceConfiguration{"d": {DataStoreName: "ds", Mode: "teleport"}}
	err := rc.Validate(src)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		"runconfig: missing.py script path doesn't exist. The script should be inside the project folder",
		"runconfig: Must specify a target either through run configuration or arguments.",
		`runconfig: framework "Fortran" is not supported`,
		`runconfig: communicator "Pigeon" is not supported`,
		"runconfig: nodeCount must be at least 1, got 0",
		`runconfig: hdi.yarnDeployMode "sideways" is not supported`,
		"runconfig: maxRunDurationSeconds must be positive, got 0",
		"runconfig: environment.docker: baseImage and baseDockerfile are mutually exclusive",
		`runconfig: dataReferences.d: mode "teleport" is not supported`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "s3cr3t-pw")
	assert.True(t, errors.Is(err, ErrInvalid))
	assert.True(t, errors.Is(err, ErrScriptNotFound))
	assert.True(t, errors.Is(err, ErrNoTarget))
	assert.Len(t, strings.Split(msg, "\n"), 9)
}

func TestValidateScriptMustBeInsideSourceDir(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	writeFile(t, filepath.Join(src, "train.py"), []byte("print(1)\n"))
	writeFile(t, filepath.Join(root, "outside.py"), []byte("print(1)\n"))
	rc := New()
	rc.Script = "train.py"
	require.NoError(t, rc.Validate(src))
	rc.Script = "../outside.py"
	assert.True(t, errors.Is(rc.Validate(src), ErrScriptNotFound))
	rc.Script = filepath.Join(root, "outside.py")
	assert.True(t, errors.Is(rc.Validate(src), ErrScriptNotFound))
	rc.Script = ""
	assert.ErrorContains(t, rc.Validate(src), "either script or command must be specified")
	rc.Command = "python train.py"
	require.NoError(t, rc.Validate(src))
	// Case-insensitive names, as found in real files ("python").
	rc.Framework = "python"
	require.NoError(t, rc.Validate(""))
}
