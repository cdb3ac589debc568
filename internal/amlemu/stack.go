package amlemu

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	"github.com/amlgo/amlgo/internal/aciemu"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/azuritetest"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/mlflowtest"
)

// StackOptions say where the real components of a Stack are.
type StackOptions struct {
	// Azurite is Azurite's azurite-blob script ("" = $AMLGO_AZURITE).
	Azurite string
	// MLflow is the mlflow executable ("" = $AMLGO_MLFLOW).
	MLflow string
	// DockerHost is the engine the jobs and container groups run on ("" = the DockerEnv's
	// engine, else DOCKER_HOST, else the default socket).
	DockerHost string
	// DockerEnv is internal/dockertest's env.json ("" = $AMLGO_DOCKER_ENV): its registry becomes
	// the workspace's container registry. Without one the workspace has no registry.
	DockerEnv string
	// ContainerInstances says the stack is for the containerinstance target: without a
	// DockerEnv (the workspace's registry) StartStack fails instead of starting a workspace
	// that has no registry.
	ContainerInstances bool
	// Subscription, ResourceGroup and Workspace name the emulated workspace (defaults
	// "00000000-0000-0000-0000-000000000000", "amlgo-emulated", "emulated-ws").
	Subscription, ResourceGroup, Workspace string
}

// Stack is a whole emulated service outside a test (for an example's or a benchmark's
// emulator mode): a private Azurite, a private MLflow tracking server, the fake Resource
// Manager with the emulator and the Azure Container Instances emulator, and one workspace
// (with the Docker test environment's registry as its container registry, when there is one).
type Stack struct {
	// Emulator is the emulated service.
	Emulator *Emulator
	// ACI is the emulated Azure Container Instances and workspace registry.
	ACI *aciemu.Emulator
	// RegistryID is the workspace's container registry's ARM id ("" without a DockerEnv).
	RegistryID string
	// WorkspaceID is the emulated workspace's ARM id.
	WorkspaceID string
	// Credential and ClientOptions reach the fake Resource Manager (workspace.GetOptions).
	Credential    azcore.TokenCredential
	ClientOptions *azarm.ClientOptions

	closers []func()
}

// StartStack starts a Stack; Close stops it. opts may be nil.
func StartStack(ctx context.Context, opts *StackOptions) (_ *Stack, err error) {
	var o StackOptions
	if opts != nil {
		o = *opts
	}
	if o.Azurite == "" {
		o.Azurite = os.Getenv(azuritetest.Env)
	}
	if o.MLflow == "" {
		o.MLflow = os.Getenv(mlflowtest.Env)
	}
	if o.Azurite == "" || o.MLflow == "" {
		return nil, errors.New("amlemu: the emulator needs Azurite and MLflow: set AMLGO_AZURITE and AMLGO_MLFLOW (see README.md, Run the tests)")
	}
	denv, err := dockerEnv(&o)
	if err != nil {
		return nil, err
	}
	if o.Subscription == "" {
		o.Subscription = "00000000-0000-0000-0000-000000000000"
	}
	if o.ResourceGroup == "" {
		o.ResourceGroup = "amlgo-emulated"
	}
	if o.Workspace == "" {
		o.Workspace = "emulated-ws"
	}
	s := &Stack{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	az, err := azuritetest.Launch(ctx, o.Azurite)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { az.Stop() })
	dir, err := os.MkdirTemp("", "amlemu-mlflow-")
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { os.RemoveAll(dir) })
	ml, err := mlflowtest.Launch(o.MLflow, dir)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { ml.Stop() })
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: o.DockerHost})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { eng.Close() })
	srv := armfake.NewServer()
	s.closers = append(s.closers, srv.Close)
	emu, err := New(srv, Options{BlobEndpoint: az.BlobEndpoint, AccountName: az.AccountName, AccountKey: az.AccountKey, MLflowURL: ml.URL, Docker: eng})
	if err != nil {
		return nil, fmt.Errorf("amlemu: %w", err)
	}
	s.closers = append(s.closers, emu.Close)
	s.Emulator = emu
	aopts := aciemu.Options{Docker: eng}
	if denv != nil {
		aopts.Registry = &denv.Registry
	}
	aci, err := aciemu.New(srv, aopts)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, aci.Close)
	s.ACI = aci
	s.WorkspaceID = emu.AddWorkspace(o.Subscription, o.ResourceGroup, o.Workspace, "eastus")
	if denv != nil {
		if s.RegistryID, err = aci.SetWorkspaceRegistry(s.WorkspaceID); err != nil {
			return nil, err
		}
	}
	s.Credential, s.ClientOptions = srv.Credential(), srv.ClientOptions()
	return s, nil
}

// dockerEnv reads the Docker test environment of o (nil when there is none), and makes its
// engine o's when o names none.
func dockerEnv(o *StackOptions) (*aciemu.DockerEnv, error) {
	if o.DockerEnv == "" {
		o.DockerEnv = os.Getenv(aciemu.DockerEnvVar)
	}
	if o.DockerEnv == "" {
		if o.ContainerInstances {
			return nil, errors.New("amlemu: the emulated container instances need the Docker test environment's registry: " +
				"run internal/dockertest/setup.sh and set " + aciemu.DockerEnvVar + " (see README.md, Run the tests)")
		}
		return nil, nil
	}
	denv, err := aciemu.ReadDockerEnv(o.DockerEnv)
	if err != nil {
		return nil, err
	}
	if o.DockerHost == "" {
		o.DockerHost = denv.Host
	}
	return denv, nil
}

// Close stops everything the Stack started, in reverse order.
func (s *Stack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}
