package amlemu_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/aciemu"
	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/mlflowtest"
	"github.com/amlgo/amlgo/internal/testenv"
)

// pollFast polls operations quickly (tests may poll faster than once a second).
var pollFast = runtime.PollUntilDoneOptions{Frequency: 50 * time.Millisecond}

// TestStackServesACIAndTheDefaultDatastore: a Stack has the workspace's default blob datastore
// (found with isDefault=true, its account key from listSecrets opening its container in
// Azurite), the workspace's container registry (from the Docker test environment) and the ACI
// emulator, which runs a group pulled from that registry with its listCredentials.
func TestStackServesACIAndTheDefaultDatastore(t *testing.T) {
	dockertest.Require(t)
	az := azuritetest.Binary(t)
	if os.Getenv(mlflowtest.Env) == "" {
		testenv.SkipOrFail(t, mlflowtest.Env+" is not set (the Stack runs a real MLflow)")
	}
	ctx := context.Background()
	st, err := amlemu.StartStack(ctx, &amlemu.StackOptions{Subscription: "sub-stack", Azurite: az, ContainerInstances: true})
	require.NoError(t, err)
	defer st.Close()
	ml, err := armmachinelearning.NewClientFactory("sub-stack", st.Credential, st.ClientOptions)
	require.NoError(t, err)
	ds := ml.NewDatastoresClient()
	page, err := ds.NewListPager("amlgo-emulated", "emulated-ws", &armmachinelearning.DatastoresClientListOptions{IsDefault: to.Ptr(true)}).NextPage(ctx)
	require.NoError(t, err)
	require.Len(t, page.Value, 1)
	assert.Equal(t, amlemu.DefaultDatastore, *page.Value[0].Name)
	blob := page.Value[0].Properties.(*armmachinelearning.AzureBlobDatastore)
	assert.True(t, *blob.IsDefault)
	assert.Equal(t, armmachinelearning.CredentialsTypeAccountKey, *blob.Credentials.GetDatastoreCredentials().CredentialsType)
	got, err := ds.Get(ctx, "amlgo-emulated", "emulated-ws", amlemu.DefaultDatastore, nil)
	require.NoError(t, err)
	assert.Equal(t, *blob.ContainerName, *got.Properties.(*armmachinelearning.AzureBlobDatastore).ContainerName)
	sec, err := ds.ListSecrets(ctx, "amlgo-emulated", "emulated-ws", amlemu.DefaultDatastore, nil)
	require.NoError(t, err)
	key := sec.DatastoreSecretsClassification.(*armmachinelearning.AccountKeyDatastoreSecrets).Key
	cred, err := azblob.NewSharedKeyCredential(*blob.AccountName, *key)
	require.NoError(t, err)
	endpoint := *blob.Protocol + "://" + *blob.Endpoint + "/" + *blob.AccountName + "/"
	bc, err := azblob.NewClientWithSharedKeyCredential(endpoint, cred, nil)
	require.NoError(t, err)
	_, err = bc.UploadBuffer(ctx, *blob.ContainerName, "snapshot/x.txt", []byte("x"), nil)
	require.NoError(t, err, "the account key opens the default datastore's container")

	require.NotEmpty(t, st.RegistryID)
	cr, err := armcontainerregistry.NewClientFactory("sub-stack", st.Credential, st.ClientOptions)
	require.NoError(t, err)
	reg, err := cr.NewRegistriesClient().Get(ctx, "amlgo-emulated", "acremulatedws", nil)
	require.NoError(t, err)
	creds, err := cr.NewRegistriesClient().ListCredentials(ctx, "amlgo-emulated", "acremulatedws", nil)
	require.NoError(t, err)
	ci, err := armcontainerinstance.NewClientFactory("sub-stack", st.Credential, st.ClientOptions)
	require.NoError(t, err)
	image := *reg.Properties.LoginServer + "/amlgo/python3-sklearn:1"
	p, err := ci.NewContainerGroupsClient().BeginCreateOrUpdate(ctx, "amlgo-emulated", "stack-run", armcontainerinstance.ContainerGroup{
		Location: to.Ptr("eastus"),
		Properties: &armcontainerinstance.ContainerGroupPropertiesProperties{
			OSType: to.Ptr(armcontainerinstance.OperatingSystemTypesLinux), RestartPolicy: to.Ptr(armcontainerinstance.ContainerGroupRestartPolicyNever),
			Containers: []*armcontainerinstance.Container{{Name: to.Ptr("main"), Properties: &armcontainerinstance.ContainerProperties{
				Image: to.Ptr(image), Command: to.SliceOfPtrs("python3", "-c", "import sklearn; print('sklearn', sklearn.__version__)"),
				Resources: &armcontainerinstance.ResourceRequirements{Requests: &armcontainerinstance.ResourceRequests{CPU: to.Ptr(1.0), MemoryInGB: to.Ptr(1.5)}}}}},
			ImageRegistryCredentials: []*armcontainerinstance.ImageRegistryCredential{{Server: reg.Properties.LoginServer, Username: creds.Username, Password: creds.Passwords[0].Value}},
		}}, nil)
	require.NoError(t, err)
	_, err = p.PollUntilDone(ctx, &pollFast)
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 3*testenv.Patience)
	defer cancel()
	v, err := st.ACI.WaitGroup(wctx, aciemu.GroupID("sub-stack", "amlgo-emulated", "stack-run"), func(v aciemu.GroupView) bool { return v.State == "Succeeded" || v.State == "Failed" })
	require.NoError(t, err)
	assert.Equal(t, "Succeeded", v.State)
	logs, err := ci.NewContainersClient().ListLogs(ctx, "amlgo-emulated", "stack-run", "main", nil)
	require.NoError(t, err)
	assert.Contains(t, *logs.Content, "sklearn 1.")
	assert.Empty(t, st.ACI.Pushes())
}
