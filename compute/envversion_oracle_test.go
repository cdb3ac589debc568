package compute

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
)

// TestAnonymousEnvironmentVersionOracle: amlgo names anonymous environments as the real
// azure-ai-ml does (its version for the same image and the same conda text it hashes).
func TestAnonymousEnvironmentVersionOracle(t *testing.T) {
	python := testenv.AzureAIMLPython(t)
	type in struct {
		Image string `json:"image"`
		Conda string `json:"conda,omitempty"`
	}
	cases := []in{
		{Image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20230324.v1"},
		{Image: "amlgo-test/python3:1"},
		{Image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20230324.v1", Conda: "name: project_environment\ndependencies:\n- python=3.8\n- scikit-learn\n"},
		{Image: "x", Conda: "channels:\n- conda-forge\ndependencies:\n- numpy\n- pip:\n  - azureml-defaults\n"},
	}
	var got []struct {
		Version, Name string
		HashedConda   *string `json:"hashed_conda"`
	}
	testenv.RunOracle(t, python, "testdata/oracle_envversion.py", cases, &got)
	require.Len(t, got, len(cases))
	for i, c := range cases {
		assert.Equal(t, AnonymousEnvironmentName, got[i].Name)
		conda := ""
		if got[i].HashedConda != nil {
			conda = *got[i].HashedConda
		}
		assert.Equal(t, got[i].Version, anonymousEnvironmentVersion(c.Image, conda), "case %d", i)
	}
}
