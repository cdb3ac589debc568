package runconfig_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
)

// TestDefaultImagesOracle: DefaultCPUImage and DefaultGPUImage are the real azureml-core's.
func TestDefaultImagesOracle(t *testing.T) {
	python := testenv.AzureMLPython(t)
	var got struct{ CPU, GPU string }
	testenv.RunOracle(t, python, "testdata/oracle_images.py", nil, &got)
	assert.Equal(t, got.CPU, runconfig.DefaultCPUImage)
	assert.Equal(t, got.GPU, runconfig.DefaultGPUImage)
}
