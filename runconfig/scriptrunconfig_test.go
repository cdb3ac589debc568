package runconfig

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScriptRunConfigDefaults(t *testing.T) {
	rc, err := ScriptRunConfig{SourceDirectory: ".", Script: "train.py"}.RunConfiguration()
	require.NoError(t, err)
	assert.Equal(t, "local", rc.Target)
	assert.Equal(t, intp(DefaultMaxRunDurationSeconds), rc.MaxRunDurationSeconds)
	assert.Equal(t, []any{}, rc.Arguments)
	assert.Equal(t, DefaultEnvironmentName, rc.Environment.Name)
	assert.Equal(t, "train.py", rc.Script)
}

func TestScriptRunConfigDistributed(t *testing.T) {
	rc, err := ScriptRunConfig{Script: "t.py", DistributedJobConfig: PyTorchConfiguration{ProcessCount: intp(8), NodeCount: 2}}.RunConfiguration()
	require.NoError(t, err)
	assert.Equal(t, "PyTorch", rc.Framework)
	assert.Equal(t, "nccl", rc.Communicator)
	assert.Equal(t, 2, rc.NodeCount)
	assert.Equal(t, PyTorchConfiguration{CommunicationBackend: "nccl", ProcessCount: intp(8), NodeCount: 2}, rc.PyTorch)

	rc, err = ScriptRunConfig{Script: "t.py", DistributedJobConfig: &TensorflowConfiguration{WorkerCount: 3, ParameterServerCount: 1}}.RunConfiguration()
	require.NoError(t, err)
	assert.Equal(t, "TensorFlow", rc.Framework)
	assert.Equal(t, "ParameterServer", rc.Communicator)
	assert.Equal(t, 3, rc.NodeCount)
}

func TestScriptRunConfigWithRunConfigNeverMutatesInputs(t *testing.T) {
	base := New()
	base.Script = "old.py"
	base.Arguments = []any{"--a"}
	base.Target = "cpu"
	env := NewEnvironment("mine")
	before, err := base.JSON()
	require.NoError(t, err)
	envBefore := env.Clone()

	s := ScriptRunConfig{Script: "new.py", Arguments: []any{"--b", 2}, RunConfig: base, ComputeTarget: "ignored", Environment: env}
	rc, err := s.RunConfiguration()
	require.NoError(t, err)
	assert.Equal(t, "new.py", rc.Script)
	assert.Equal(t, []any{"--b", 2}, rc.Arguments)
	assert.Equal(t, "cpu", rc.Target) // ComputeTarget ignored when RunConfig is set (azureml)
	assert.Equal(t, []string{
		`ScriptRunConfig.ComputeTarget "ignored" is ignored because RunConfig is set: the run goes to RunConfig.Target "cpu"; set RunConfig.Target to choose the target`,
		`ScriptRunConfig.Environment "mine" is ignored because RunConfig is set: the run uses RunConfig.Environment "default-environment"; set RunConfig.Environment instead`,
		`ScriptRunConfig.Script "new.py" takes precedence over RunConfig.Script "old.py"`,
		`ScriptRunConfig.Arguments take precedence over RunConfig.Arguments`,
	}, s.Warnings())

	rc.Arguments[0] = "changed"
	rc.Environment.EnvironmentVariables["X"] = "y"
	after, err := base.JSON()
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
	assert.Equal(t, envBefore.EnvironmentVariables, env.EnvironmentVariables)

	rc2, err := ScriptRunConfig{Environment: env, Command: []string{"python", "-c", "print(1)"}}.RunConfiguration()
	require.NoError(t, err)
	rc2.Environment.Name = "other"
	assert.Equal(t, "mine", env.Name)
	assert.Equal(t, "python -c 'print(1)'", rc2.Command)
}

func TestScriptRunConfigValidate(t *testing.T) {
	err := ScriptRunConfig{SourceDirectory: t.TempDir(), Script: "nope.py", ComputeTarget: "cpu"}.Validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrScriptNotFound))

	_, err = ScriptRunConfig{Script: "a.py", Command: []string{"b"}}.RunConfiguration()
	assert.True(t, errors.Is(err, ErrInvalid))
}
