package compute

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/amlgo/amlgo/runconfig"
)

func TestScriptCommandRendersArgumentsLikePythonStr(t *testing.T) {
	rc := runconfig.New()
	rc.Script = "src/train.py"
	rc.Arguments = []any{"--epochs", 3, "--lr", 0.5, "--scale", 1.0, "--fast", true, "--name", "3"}
	assert.Equal(t, []string{"/py", filepath.FromSlash("src/train.py"),
		"--epochs", "3", "--lr", "0.5", "--scale", "1.0", "--fast", "True", "--name", "3"},
		scriptCommand(rc, "/py"))

	rc.Command = "echo hi"
	assert.Equal(t, []string{"bash", "-c", "echo hi"}, scriptCommand(rc, "/py"))
}
