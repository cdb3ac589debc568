package runconfig

import (
	"errors"
	"os"
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
	// Each problem says what it is: outside, a link out, missing, a directory.
	abs, err := filepath.Abs(src)
	require.NoError(t, err)
	require.NoError(t, os.Symlink(filepath.Join(root, "outside.py"), filepath.Join(src, "link.py")))
	require.NoError(t, os.Mkdir(filepath.Join(src, "pkg"), 0o755))
	for script, want := range map[string]string{
		"../outside.py": "runconfig: script ../outside.py is outside the source directory " + abs + " (it resolves to " +
			filepath.Join(root, "outside.py") + "); only the source directory is snapshotted, so move the script into it and name it relative to it",
		filepath.Join(root, "outside.py"): "runconfig: script " + filepath.Join(root, "outside.py") + " is outside the source directory " + abs,
		"link.py": "runconfig: script link.py is a symbolic link to " + filepath.Join(root, "outside.py") + ", outside the source directory " + abs +
			"; only the source directory is snapshotted, so copy the script into it",
		"nope.py": "runconfig: nope.py script path doesn't exist. The script should be inside the project folder (looked for " + filepath.Join(abs, "nope.py") + ")",
		"pkg":     "runconfig: script pkg is a directory (" + filepath.Join(abs, "pkg") + "), not a file",
	} {
		rc.Script = script
		err := rc.Validate(src)
		assert.True(t, errors.Is(err, ErrScriptNotFound), script)
		assert.ErrorContains(t, err, want)
	}
	rc.Script = ""
	assert.ErrorContains(t, rc.Validate(src), "either script or command must be specified")
	rc.Command = "python train.py"
	require.NoError(t, rc.Validate(src))
	// Command and script/arguments cannot be used together (azureml's docs): neither is dropped.
	rc.Script = "train.py"
	assert.EqualError(t, rc.Validate(src), `runconfig: script "train.py" and command "python train.py" are both set, `+
		`but command and script/arguments cannot be used together to submit a run; set only one`)
	rc.Script, rc.Arguments = "", []any{"--alpha", 1}
	assert.EqualError(t, rc.Validate(src), `runconfig: command "python train.py" and arguments are both set, `+
		`but command and script/arguments cannot be used together to submit a run; put the arguments in the command`)
	rc.Arguments = nil
	// Case-insensitive names, as found in real files ("python").
	rc.Framework = "python"
	require.NoError(t, rc.Validate(""))
}
