package compute_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute/computetest"
	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/runconfig"
)

// fakeMicromamba "creates" an environment by linking the VM's python3 into the prefix; a
// specification naming the package fail-me makes it fail.
const fakeMicromamba = `#!/bin/sh
# usage: micromamba create -y -p PREFIX -f SPEC
prefix= spec=
while [ $# -gt 0 ]; do
  case $1 in -p) prefix=$2; shift ;; -f) spec=$2; shift ;; esac
  shift
done
echo "fake micromamba: solving $spec"
echo build >>"$HOME/micromamba/builds"
if grep -q fail-me "$spec"; then echo "error: nothing provides fail-me"; exit 1; fi
mkdir -p "$prefix/bin" && ln -s "$(command -v python3)" "$prefix/bin/python"
echo "fake micromamba: done"
`

// TestDSVMCondaEnvironment builds a system-managed environment on the VM with a (fake)
// micromamba, reuses it by hash on the next run, and reports a failed build with its output.
func TestDSVMCondaEnvironment(t *testing.T) {
	ctx := context.Background()
	srv, _, d := vmTarget(t)
	srv.Exec(t, "mkdir -p micromamba/bin && cat >micromamba/bin/micromamba <<'EOF'\n"+fakeMicromamba+"EOF\nchmod +x micromamba/bin/micromamba")
	t.Cleanup(func() { srv.Exec(t, "rm -rf micromamba") })

	deps, err := conda.Create(&conda.CreateOptions{PipPackages: []string{}, CondaPackages: []string{"scikit-learn"}})
	require.NoError(t, err)
	rc := runconfig.New()
	rc.Environment.Python.CondaDependencies = deps
	script := "import os, sys\nprint(os.environ['CONDA_DEFAULT_ENV'], sys.executable == os.path.join(os.environ['CONDA_PREFIX'], 'bin', 'python'))\n"
	envName := "azureml_" + deps.Hash()
	for i, want := range []string{"Building conda environment " + envName + " with micromamba", "Reusing conda environment " + envName} {
		id := "run_conda_" + string(rune('a'+i))
		e, err := d.Start(ctx, computetest.Job(t, id, script, rc))
		require.NoError(t, err)
		obs, log, _ := computetest.Follow(t, e)
		assert.Equal(t, "Completed", obs.Status, log)
		assert.Equal(t, envName+" True\n", log)
		control := srv.Exec(t, "cat .azureml/amlgo-test-*/runs/"+id+"/azureml-logs/60_control_log.txt")
		assert.Contains(t, control, want)
	}
	assert.Equal(t, "1", strings.TrimSpace(srv.Exec(t, "wc -l <micromamba/builds")), "built once, then reused")

	require.NoError(t, deps.AddCondaPackage("fail-me"))
	rc.Environment.Python.CondaDependencies = deps
	_, err = d.Start(ctx, computetest.Job(t, "run_conda_fail", script, rc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed: exit status 1")
	assert.Contains(t, err.Error(), "nothing provides fail-me")
	assert.Empty(t, strings.TrimSpace(srv.Exec(t, "ls -d .azureml/amlgo-test-*/envs/azureml_"+deps.Hash()+" 2>/dev/null || true")), "a failed build leaves no environment")
}
