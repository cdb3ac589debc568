package runconfig

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCloneIsDeep(t *testing.T) {
	rc := New()
	rc.Data = map[string]Data{"d": {DataLocation: DataLocation{Dataset: &DatasetReference{ID: "1"}}, Options: map[string]any{"k": []any{"v"}}}}
	rc.Environment.R = &RSection{CRANPackages: []RCranPackage{{Name: "x"}}}
	before, err := rc.JSON()
	require.NoError(t, err)

	c := rc.Clone()
	c.Arguments = append(c.Arguments, "x")
	c.Environment.EnvironmentVariables["A"] = "b"
	c.Environment.Docker.Arguments = append(c.Environment.Docker.Arguments, "--gpus")
	c.Spark.Configuration["spark.app.name"] = "other"
	c.History.DirectoriesToWatch[0] = "other"
	c.Data["d"].DataLocation.Dataset.ID = "2"
	c.Data["d"].Options["k"].([]any)[0] = "w"
	c.Environment.R.CRANPackages[0].Name = "y"
	require.NoError(t, c.Environment.Python.CondaDependencies.UnmarshalJSON([]byte(`{"name": "changed", "dependencies": ["python=3.9"]}`)))

	after, err := rc.JSON()
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
}

func TestSecretsNeverPrinted(t *testing.T) {
	rc := New()
	rc.Environment.Docker.BaseImageRegistry = ContainerRegistry{Address: "r.io", Username: "u", Password: "pa55word"}
	assert.NotContains(t, rc.String(), "pa55word")
	assert.Contains(t, rc.String(), `"password": "***"`)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", rc, *rc, rc.Environment, rc), "pa55word")
	js, err := rc.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(js), `"password": "pa55word"`) // service form, as azureml
	assert.Equal(t, Secret("pa55word"), rc.Environment.Docker.BaseImageRegistry.Password, "Redacted must not mutate")
}

func TestEnvironmentJSONRoundTrip(t *testing.T) {
	env := NewEnvironment("e")
	env.Docker.BaseImageRegistry.Password = "pw-secret"
	b, err := json.Marshal(env)
	require.NoError(t, err)
	var back Environment
	require.NoError(t, json.Unmarshal(b, &back))
	b2, err := back.JSON()
	require.NoError(t, err)
	want, err := env.JSON()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(b2))
	assert.NotContains(t, env.String(), "pw-secret")
	assert.NotContains(t, fmt.Sprint(*env), "pw-secret")
}
