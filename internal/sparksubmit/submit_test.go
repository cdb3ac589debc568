package sparksubmit

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArgvExact(t *testing.T) {
	s := Submission{
		SparkSubmit: "/opt/spark/bin/spark-submit", Master: "yarn", DeployMode: "cluster", Name: "Azure ML Experiment",
		Conf:         map[string]string{"spark.yarn.maxAppAttempts": "1", "spark.executor.memory": "1g", "spark.app.name": "x y"},
		Repositories: []string{"file:///repo", "https://repo.example/maven"},
		Packages:     []Package{{"com.example", "tiny", "1.0"}, {"org.a", "b_2.12", "0.1-SNAPSHOT"}},
		PyFiles:      []string{"/r/snapshot.zip", "/r/shim.zip"},
		Archives:     []string{"/envs/azureml_h.tar.gz#amlgo_env"},
		Script:       "train.py", Args: []string{"--alpha", "0.5"},
	}
	argv, err := s.Argv()
	require.NoError(t, err)
	assert.Equal(t, []string{"/opt/spark/bin/spark-submit", "--master", "yarn", "--deploy-mode", "cluster", "--name", "Azure ML Experiment",
		"--conf", "spark.app.name=x y", "--conf", "spark.executor.memory=1g", "--conf", "spark.yarn.maxAppAttempts=1",
		"--repositories", "file:///repo,https://repo.example/maven",
		"--packages", "com.example:tiny:1.0,org.a:b_2.12:0.1-SNAPSHOT",
		"--py-files", "/r/snapshot.zip,/r/shim.zip", "--archives", "/envs/azureml_h.tar.gz#amlgo_env",
		"train.py", "--alpha", "0.5"}, argv)

	argv, err = Submission{Master: "local[*]", Script: "s.py"}.Argv()
	require.NoError(t, err)
	assert.Equal(t, []string{"spark-submit", "--master", "local[*]", "s.py"}, argv)
}

func TestArgvRefusesBadInput(t *testing.T) {
	_, err := Submission{Master: "yarn", DeployMode: "Cluster", Script: "s.py",
		Conf:     map[string]string{"bad key": "v", "spark.x": "a\nb"},
		Packages: []Package{{"g", "", "1"}}, Repositories: []string{"a,b"}}.Argv()
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrInvalid))
	for _, want := range []string{`deploy mode "Cluster"`, `key "bad key"`, "spark.x has a newline", `package "g::1"`, `repository "a,b"`} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = Submission{}.Argv()
	assert.ErrorContains(t, err, "no master")
}

func TestConfValue(t *testing.T) {
	for v, want := range map[any]string{"1": "1", 1: "1", true: "true", 0.5: "0.5", 1e6: "1000000", int64(7): "7"} {
		got, err := ConfValue(v)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ConfValue(nil)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = ConfValue([]string{})
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestApplicationID(t *testing.T) {
	line := "26/12/02 17:29:33 INFO YarnClientImpl: Submitted application application_1796232477058_0001\n"
	assert.Equal(t, "application_1796232477058_0001", ApplicationID(line))
	assert.Equal(t, "", ApplicationID("no id; application_x_1"))
	c, err := AMContainerID("application_1796232477058_0012")
	require.NoError(t, err)
	assert.Equal(t, "container_1796232477058_0012_01_000001", c)
	_, err = AMContainerID("application_1")
	assert.ErrorIs(t, err, ErrInvalid)
	cmd, err := Expand(YARNCommands("/usr/bin/yarn").Logs, "application_1_0002")
	require.NoError(t, err)
	assert.Equal(t, []string{"/usr/bin/yarn", "logs", "-applicationId", "application_1_0002", "-containerId", "container_1_0002_01_000001", "-log_files", "stdout,stderr"}, cmd)
}
