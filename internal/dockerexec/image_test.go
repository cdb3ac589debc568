package dockerexec

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImageNameFollowsContent(t *testing.T) {
	base := ImageSpec{BaseImage: "img:1", CondaEnvName: "azureml_a", CondaYAML: []byte("a")}
	same := base
	assert.Equal(t, base.Name(), same.Name())
	assert.True(t, strings.HasPrefix(base.Name(), "azureml/azureml_"))
	for _, changed := range []ImageSpec{
		{BaseImage: "img:2", CondaEnvName: "azureml_a", CondaYAML: []byte("a")},
		{BaseImage: "img:1", CondaEnvName: "azureml_b", CondaYAML: []byte("b")},
		{BaseImage: "img:1", CondaEnvName: "azureml_a", CondaYAML: []byte("a"), Registry: Registry{Address: "r:5000"}},
		{BaseDockerfile: "FROM img:1\n", CondaEnvName: "azureml_a", CondaYAML: []byte("a")},
	} {
		assert.NotEqual(t, base.Name(), changed.Name(), "%+v", changed)
	}
	// The password is not part of the image's identity.
	withPW := base
	withPW.Registry.Password = "x"
	assert.Equal(t, base.Name(), withPW.Name())
	// Nothing to build: the base image itself.
	assert.Equal(t, "r:5000/img:1", ImageSpec{BaseImage: "img:1", Registry: Registry{Address: "r:5000"}}.Name())
	assert.Equal(t, "r:5000/img:1", ImageSpec{BaseImage: "r:5000/img:1", Registry: Registry{Address: "r:5000"}}.Name())
}

func TestDockerfile(t *testing.T) {
	df := ImageSpec{BaseImage: "img:1", CondaEnvName: "azureml_a", CondaYAML: []byte("a")}.Dockerfile()
	assert.True(t, strings.HasPrefix(df, "FROM img:1\n"))
	assert.Contains(t, df, "RUN sh /azureml-environment-setup/build_env.sh /azureml-envs/azureml_a ")
	assert.Contains(t, df, "ENV PATH=/azureml-envs/azureml_a/bin:${PATH:-")
	user := ImageSpec{BaseDockerfile: "FROM x\nRUN true\n", CondaEnvName: "azureml_a"}.Dockerfile()
	assert.True(t, strings.HasPrefix(user, "FROM x\nRUN true\nUSER root\n"), "the conda layer follows the user's Dockerfile")
	assert.NotContains(t, ImageSpec{BaseDockerfile: "FROM x"}.Dockerfile(), "conda")
}

func TestRegistrySecretStaysOut(t *testing.T) {
	r := Registry{Address: "r:5000", Username: "u", Password: "hunter2"}
	assert.NotContains(t, r.String(), "hunter2")
	e := &Engine{host: "unix:///x"}
	err := e.pullError("r:5000/img:1", r, errors.New("Get https://r:5000/v2/: unauthorized: hunter2 is wrong"))
	assert.True(t, errors.Is(err, ErrRegistryAuth))
	assert.NotContains(t, err.Error(), "hunter2")
	err = e.buildError("img", r, errors.New("step failed with hunter2"), newTail(3))
	assert.True(t, errors.Is(err, ErrBuildFailed))
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestTailKeepsLastLines(t *testing.T) {
	tb := newTail(2)
	_, _ = tb.Write([]byte("a\nb\nc"))
	assert.Equal(t, "b\nc", tb.String())
	_, _ = tb.Write([]byte("d\n"))
	assert.Equal(t, "b\ncd", tb.String())
}

func TestArguments(t *testing.T) {
	require.NoError(t, ValidateArguments([]string{"-v", "/a:/b:ro", "--env=A=1", "-u", "1000:1000", "-m", "1g", "--cpus", "1.5",
		"--ipc", "host", "--network", "none", "--cap-add", "SYS_PTRACE", "--device", "/dev/null:/dev/x", "--privileged", "--init",
		"--add-host", "h:1.2.3.4", "--security-opt", "seccomp=unconfined", "--group-add", "video", "--pids-limit", "100"}))
	for args, want := range map[string]string{
		"--oom-score-adj 5": "flag --oom-score-adj is not supported",
		"-v novolume":       "use host-path:container-path",
		"--gpus 2":          "--gpus all only",
		"--shm-size lots":   "not a size",
		"-e":                "has no value",
		"train.py":          "is not a flag",
		"--name x":          "names the container after the run",
	} {
		err := ValidateArguments(strings.Fields(args))
		require.Error(t, err, args)
		assert.True(t, errors.Is(err, ErrBadArguments))
		assert.Contains(t, err.Error(), want, args)
	}
	n, err := ParseShmSize("2g")
	require.NoError(t, err)
	assert.Equal(t, int64(2<<30), n)
}
