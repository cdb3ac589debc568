package amlemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/dockerexec"
)

// APIVersion is the api-version of the emulated data-plane-free ARM operations: armfake's.
const APIVersion = armfake.APIVersion

// ArtifactContainer is the artifact store's container in Azurite (the service's "azureml").
const ArtifactContainer = "azureml"

// Options configure an Emulator.
type Options struct {
	// BlobEndpoint, AccountName and AccountKey reach Azurite (e.g.
	// http://127.0.0.1:10000/devstoreaccount1).
	BlobEndpoint, AccountName, AccountKey string
	// MLflowURL is the real MLflow tracking server (http://127.0.0.1:PORT).
	MLflowURL string
	// Docker is the engine the jobs run on.
	Docker *dockerexec.Engine
	// JobNetwork is the jobs' containers' network (default "host", so that a job reaches the
	// emulator's MLflow endpoint on 127.0.0.1).
	JobNetwork string
	// StepDelay slows each status step of a job (default 0).
	StepDelay time.Duration
}

// Emulator is the emulated service around an armfake.Server.
type Emulator struct {
	arm  *armfake.Server
	opts Options
	blob *service.Client
	cred *service.SharedKeyCredential

	plain *http.Server // the MLflow endpoint (plain HTTP, as a job in a container reaches it)
	addr  string

	mu   sync.Mutex
	jobs map[string]*job // by lower(workspace id + "/" + name)
	// mlflowRuns maps a job name to the real MLflow run id.
	mlflowRuns map[string]string
	// logDelay holds back a job's log file until the delay has passed since it started.
	logDelay time.Duration
	// onPendingUpload is called when a pending upload is handed out (OnPendingUpload).
	onPendingUpload func()
	ctx             context.Context
	stop            context.CancelFunc
	wg              sync.WaitGroup
}

// New adds the emulated operations to arm and starts the MLflow endpoint. Close stops the
// jobs' runners; a test calls it in t.Cleanup.
func New(arm *armfake.Server, opts Options) (*Emulator, error) {
	if opts.Docker == nil || opts.BlobEndpoint == "" || opts.MLflowURL == "" {
		return nil, fmt.Errorf("amlemu: Options need Docker, BlobEndpoint (Azurite) and MLflowURL")
	}
	if opts.JobNetwork == "" {
		opts.JobNetwork = "host"
	}
	cred, err := service.NewSharedKeyCredential(opts.AccountName, opts.AccountKey)
	if err != nil {
		return nil, fmt.Errorf("amlemu: %w", err)
	}
	blob, err := service.NewClientWithSharedKeyCredential(strings.TrimSuffix(opts.BlobEndpoint, "/")+"/", cred, nil)
	if err != nil {
		return nil, fmt.Errorf("amlemu: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	e := &Emulator{arm: arm, opts: opts, blob: blob, cred: cred, jobs: map[string]*job{}, mlflowRuns: map[string]string{}, ctx: ctx, stop: stop}
	for _, name := range []string{ArtifactContainer, BlobstoreContainer} {
		if _, err := blob.CreateContainer(ctx, name, nil); err != nil && !strings.Contains(err.Error(), "ContainerAlreadyExists") {
			stop()
			return nil, fmt.Errorf("amlemu: creating the container %s: %w", name, err)
		}
	}
	// The account key is served by the default datastore's listSecrets only.
	arm.Lock()
	arm.AddSecretLocked(opts.AccountKey)
	arm.Unlock()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stop()
		return nil, err
	}
	e.addr = l.Addr().String()
	e.plain = &http.Server{Handler: http.HandlerFunc(e.serveMLflow), ReadHeaderTimeout: 10 * time.Second}
	go e.plain.Serve(l)
	e.register()
	return e, nil
}

// Close stops every job's runner (their containers are removed) and the MLflow endpoint.
func (e *Emulator) Close() {
	e.stop()
	e.wg.Wait()
	e.plain.Close()
}

// ARM is the fake Resource Manager the emulator extends.
func (e *Emulator) ARM() *armfake.Server { return e.arm }

// MLflowBase is the emulator's MLflow endpoint for workspace wsID, as the workspace's
// mlFlowTrackingUri names it (http here; azureml:// in Azure).
func (e *Emulator) MLflowBase(wsID string) string {
	return "http://" + e.addr + "/mlflow/v1.0" + wsID
}

// AddWorkspace creates a workspace in the fake whose discovery document and MLflow tracking
// URI point at the emulator; it returns the workspace's ARM id.
func (e *Emulator) AddWorkspace(subscription, resourceGroup, name, location string) string {
	id := e.arm.NewWorkspace(subscription, resourceGroup, name, location)
	e.arm.Lock()
	defer e.arm.Unlock()
	var ws map[string]any
	_ = json.Unmarshal(e.arm.WorkspaceLocked(id), &ws)
	props, _ := ws["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		ws["properties"] = props
	}
	props["discoveryUrl"] = e.arm.URL() + "/discovery"
	props["mlFlowTrackingUri"] = e.MLflowBase(id)
	b, _ := json.Marshal(ws)
	e.arm.SetWorkspaceLocked(id, b)
	return id
}

// SetLogDelay makes every job's log file appear only d after the job starts running.
func (e *Emulator) SetLogDelay(d time.Duration) {
	e.mu.Lock()
	e.logDelay = d
	e.mu.Unlock()
}

// ThrottleJobGets makes the next n GETs of job name answer 429 with Retry-After.
func (e *Emulator) ThrottleJobGets(name string, n int) {
	statuses := make([]int, n)
	for i := range statuses {
		statuses[i] = http.StatusTooManyRequests
	}
	e.arm.Inject(http.MethodGet, "/jobs/"+name, statuses...)
}

// containerSAS returns a container URL with a SAS of perms valid for ttl.
func (e *Emulator) containerSAS(name string, perms sas.ContainerPermissions, ttl time.Duration) (string, error) {
	c := e.blob.NewContainerClient(name)
	return c.GetSASURL(perms, time.Now().Add(ttl), &container.GetSASURLOptions{StartTime: ptr(time.Now().Add(-time.Minute))})
}

func ptr[T any](v T) *T { return &v }

func (e *Emulator) register() {
	ws := "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}"
	h := e.arm.Handle
	h(http.MethodGet, ws+"/codes/{name}/versions", APIVersion, nil, e.listCodeVersions)
	h(http.MethodPost, ws+"/codes/{name}/versions/{version}/startPendingUpload", APIVersion, nil, e.startPendingUpload)
	h(http.MethodGet, ws+"/datastores", APIVersion, nil, e.listDatastores)
	h(http.MethodGet, ws+"/datastores/{name}", APIVersion, nil, e.getDatastore)
	h(http.MethodPost, ws+"/datastores/{name}/listSecrets", APIVersion, nil, e.listDatastoreSecrets)
	h(http.MethodPut, ws+"/jobs/{id}", APIVersion, nil, e.putJob)
	h(http.MethodGet, ws+"/jobs/{id}", APIVersion, nil, e.getJob)
	h(http.MethodGet, ws+"/jobs", APIVersion, nil, e.listJobs)
	h(http.MethodPost, ws+"/jobs/{id}/cancel", APIVersion, nil, e.cancelJob)
	h(http.MethodGet, "/jobCancelOperations/{op}", "", &armfake.HandleOptions{AnyAPIVersion: true}, e.cancelStatus)
	h(http.MethodGet, "/discovery", "", &armfake.HandleOptions{NoAuth: true, AnyAPIVersion: true}, e.discovery)
	h(http.MethodGet, "/history/v1.0"+ws+"/runs/{runId}/details", "", &armfake.HandleOptions{AnyAPIVersion: true}, e.runDetails)
}

// discovery answers the workspace discovery document: the run history ("api") host.
func (e *Emulator) discovery(c *armfake.Call) {
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]string{"api": e.arm.URL(), "catalog": e.arm.URL(), "experimentation": e.arm.URL(), "history": e.arm.URL()})
}
