package compute

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/runconfig"
)

// TestDSVMCheck: what a VM target refuses and runs differs from the local target: MPI runs
// there (with mpirun), a multi-node job and a name the shell cannot assign do not.
func TestDSVMCheck(t *testing.T) {
	ctx := context.Background()
	d := &DSVM{name: "vm"}

	rc := runconfig.New()
	rc.Communicator = "IntelMpi"
	rc.MPI.ProcessCountPerNode = 4
	w, err := d.Check(ctx, rc)
	require.NoError(t, err)
	assert.Empty(t, w)

	rc.MPI.NodeCount = 2
	rc.Environment.EnvironmentVariables = map[string]string{"MY-VAR": "x", "OK_1": "y"}
	rc.Environment.Docker.Enabled = true
	_, err = d.Check(ctx, rc)
	assert.ErrorIs(t, err, ErrUnsupported)
	assert.EqualError(t, err, `compute: communicator IntelMpi in Docker is not supported on VM target "vm" yet; turn Docker off to run the MPI job natively with mpirun`+"\n"+
		`compute: nodeCount is 2 but VM target "vm" is a single node; run multi-node jobs on an AmlCompute cluster, or set nodeCount to 1`+"\n"+
		`compute: environment variable name "MY-VAR" cannot be set on VM target "vm"; use letters, digits and _, not starting with a digit`)

	rc = runconfig.New()
	rc.Framework, rc.Communicator = "TensorFlow", "ParameterServer"
	_, err = d.Check(ctx, rc)
	assert.EqualError(t, err, `compute: communicator ParameterServer (a distributed TensorFlow job) is not supported on VM target "vm" yet; set communicator None (and no DistributedJobConfig) to run one process`)

	rc = runconfig.New()
	rc.DataReferences = map[string]runconfig.DataReferenceConfiguration{"b": {}, "a": {}}
	_, err = d.Check(ctx, rc)
	assert.ErrorContains(t, err, "dataReferences (a, b) are not supported on VM target \"vm\" yet: amlgo does not mount or download datastore paths; remove them and pass the data's path on the VM as an argument")
}

// TestNotImplementedSaysWhatToDo: the targets amlgo cannot run jobs on yet say what to do
// instead.
func TestNotImplementedSaysWhatToDo(t *testing.T) {
	ctx := context.Background()
	for _, tgt := range []ComputeTarget{&HDInsight{name: "hdi"}} {
		_, err := tgt.Start(ctx, &Job{})
		assert.ErrorIs(t, err, ErrUnsupported)
		assert.Regexp(t, `is not implemented yet; (run the script on "local" or on a VM target \(compute\.AttachRemote\) meanwhile|run Spark scripts on the cluster with spark-submit yourself, or use framework Python on "local" or a VM target with the pyspark package)`, err.Error())
	}
}
