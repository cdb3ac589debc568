package compute_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/compute/computetest"
)

func TestLocalDockerConformance(t *testing.T) {
	env := requireDocker(t)
	ws := openWorkspace(t)
	local, err := compute.NewLocal(ws, &compute.LocalOptions{CancelGracePeriod: time.Second, DockerHost: env.Host, EnvCacheDir: t.TempDir()})
	require.NoError(t, err)
	removeRunContainers(t, env.Host, "conf_")
	computetest.TestTargetWith(t, local, &computetest.Options{RunConfig: dockerRC(env.PythonImage)})
}
