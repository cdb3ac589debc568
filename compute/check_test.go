package compute

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/snapshot"
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

// TestHDInsightRunsPySparkOnly: an HDInsight target refuses another framework, saying what to
// do instead, before it connects anywhere.
func TestHDInsightRunsPySparkOnly(t *testing.T) {
	rc := runconfig.New()
	rc.Script = "train.py"
	job := &Job{RunID: "r1", RunConfig: rc, Snapshot: &snapshot.Snapshot{},
		OpenFile: func(snapshot.File) (io.ReadCloser, error) { return nil, os.ErrNotExist }}
	_, err := (&HDInsight{name: "hdi"}).Start(context.Background(), job)
	assert.ErrorIs(t, err, ErrUnsupported)
	assert.EqualError(t, err, `compute: framework Python is not supported on HDInsight target "hdi": an HDInsight cluster runs PySpark jobs `+
		`(spark-submit to YARN); set framework PySpark, or run the script on "local" or a VM target`)
}
