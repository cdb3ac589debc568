package amlemu_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/amlemu"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/mlflowtest"
	"github.com/amlgo/amlgo/internal/testenv"
)

// TestEmulatorFollowsTheSpec drives the emulator with the generated ARM clients: a code version
// found by hash under any name, a pending upload whose SAS takes the files, an environment, a
// CommandJob that runs for real to Completed with its log in run history, and the errors the
// service gives for a job with an unknown environment or compute.
func TestEmulatorFollowsTheSpec(t *testing.T) {
	denv := dockertest.Require(t)
	az := azuritetest.Start(t)
	ml := mlflowtest.Start(t)
	ctx := context.Background()
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: denv.Host})
	require.NoError(t, err)
	defer eng.Close()
	srv := armfake.New(t)
	emu, err := amlemu.New(srv, amlemu.Options{BlobEndpoint: az.BlobEndpoint, AccountName: az.AccountName, AccountKey: az.AccountKey, MLflowURL: ml.URL, Docker: eng})
	require.NoError(t, err)
	defer emu.Close()
	wsID := emu.AddWorkspace("sub", "rg", "ws", "eastus")
	srv.AddCompute(wsID, "cpu", []byte(`{"properties":{"computeType":"AmlCompute","properties":{"vmSize":"STANDARD_D2_V2"}}}`))
	f, err := armmachinelearning.NewClientFactory("sub", srv.Credential(), srv.ClientOptions())
	require.NoError(t, err)
	codes, envs, jobs := f.NewCodeVersionsClient(), f.NewEnvironmentVersionsClient(), f.NewJobsClient()

	up, err := codes.CreateOrGetStartPendingUpload(ctx, "rg", "ws", "code-a", "1", armmachinelearning.PendingUploadRequestDto{
		PendingUploadType: to.Ptr(armmachinelearning.PendingUploadTypeTemporaryBlobReference)}, nil)
	require.NoError(t, err)
	sasURL := *up.BlobReferenceForConsumption.Credential.(*armmachinelearning.SASCredentialDto).SasURI
	cc, err := container.NewClientWithNoCredential(sasURL, nil)
	require.NoError(t, err)
	_, err = cc.NewBlockBlobClient("code/main.py").UploadBuffer(ctx, []byte("print('hello from the emulator')\n"), &blockblob.UploadBufferOptions{})
	require.NoError(t, err)
	_, err = codes.CreateOrUpdate(ctx, "rg", "ws", "code-a", "1", armmachinelearning.CodeVersion{Properties: &armmachinelearning.CodeVersionProperties{
		CodeURI: to.Ptr(*up.BlobReferenceForConsumption.BlobURI + "/code"), Properties: map[string]*string{"hash_sha256": to.Ptr("abc"), "hash_version": to.Ptr("202208")}}}, nil)
	require.NoError(t, err)
	page, err := codes.NewListPager("rg", "ws", "another-name", &armmachinelearning.CodeVersionsClientListOptions{Hash: to.Ptr("abc"), HashVersion: to.Ptr("202208")}).NextPage(ctx)
	require.NoError(t, err)
	require.Len(t, page.Value, 1, "a hash finds the version under any name")
	codeID := *page.Value[0].ID

	_, err = envs.CreateOrUpdate(ctx, "rg", "ws", "env", "1", armmachinelearning.EnvironmentVersion{Properties: &armmachinelearning.EnvironmentVersionProperties{Image: to.Ptr(denv.PythonImage)}}, nil)
	require.NoError(t, err)
	job := func(env, compute string) armmachinelearning.JobBase {
		return armmachinelearning.JobBase{Properties: &armmachinelearning.CommandJob{JobType: to.Ptr(armmachinelearning.JobTypeCommand),
			Command: to.Ptr("python3 main.py"), CodeID: to.Ptr(codeID), EnvironmentID: to.Ptr(wsID + "/environments/" + env + "/versions/1"),
			ComputeID: to.Ptr(wsID + "/computes/" + compute)}}
	}
	for _, bad := range []armmachinelearning.JobBase{job("nope", "cpu"), job("env", "nope")} {
		_, err := jobs.CreateOrUpdate(ctx, "rg", "ws", "bad-job", bad, nil)
		var re *azcore.ResponseError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, http.StatusBadRequest, re.StatusCode)
	}
	res, err := jobs.CreateOrUpdate(ctx, "rg", "ws", "job-1", job("env", "cpu"), nil)
	require.NoError(t, err)
	assert.Equal(t, "NotStarted", string(*res.Properties.GetJobBaseProperties().Status))
	var seen []string
	deadline := time.Now().Add(3 * testenv.Patience)
	for time.Now().Before(deadline) {
		got, err := jobs.Get(ctx, "rg", "ws", "job-1", nil)
		require.NoError(t, err)
		st := string(*got.Properties.GetJobBaseProperties().Status)
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if st == "Completed" || st == "Failed" || st == "Canceled" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, "Completed", seen[len(seen)-1], "statuses %v", seen)
	t.Logf("statuses seen: %v", seen)

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/history/v1.0"+wsID+"/runs/job-1/details", nil)
	req.Header.Set("Authorization", "Bearer "+armfake.Token)
	resp, err := srv.ClientOptions().Transport.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var det struct {
		Status   string            `json:"status"`
		LogFiles map[string]string `json:"logFiles"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&det))
	assert.Equal(t, "Completed", det.Status)
	logURL := det.LogFiles["user_logs/std_log.txt"]
	require.NotEmpty(t, logURL)
	lr, err := http.Get(logURL)
	require.NoError(t, err)
	b, _ := io.ReadAll(lr.Body)
	lr.Body.Close()
	assert.True(t, strings.Contains(string(b), "hello from the emulator"), "log: %q", b)
}
