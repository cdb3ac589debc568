package compute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"

	"github.com/amlgo/amlgo/internal/containergroup"
	"github.com/amlgo/amlgo/internal/dockerexec"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/runconfig"
)

// ErrNoRegistry: the workspace has no container registry, which a container-instance run of a
// conda environment needs for its image.
var ErrNoRegistry = errors.New("compute: the workspace has no container registry")

// aciImage is the image a container group runs, with the credentials to pull it.
type aciImage struct {
	ref    string
	cred   *containergroup.RegistryCredential
	python string
}

// resolveImage returns the run's image. A prebuilt image (a user-managed environment) runs as
// is, with environment.docker.baseImageRegistry's credentials. A system-managed conda
// environment runs in the image azureml/azureml_<hash> of the workspace's registry: when the
// registry already has it nothing is built or pushed; otherwise it is built on the local engine
// and pushed.
func (c *ContainerInstance) resolveImage(ctx context.Context, rc *runconfig.RunConfiguration, control io.Writer) (*aciImage, error) {
	spec := dockerImageSpec(rc)
	if spec.BaseImage == "" && spec.BaseDockerfile == "" {
		spec.BaseImage = runconfig.DefaultCPUImage
	}
	python := dockerPython(rc, spec)
	if !spec.NeedsBuild() {
		img := &aciImage{ref: spec.BaseRef(), python: python}
		if r := spec.Registry; r.Username != "" {
			server := r.Address
			if server == "" {
				server = registryHost(img.ref)
			}
			img.cred = &containergroup.RegistryCredential{Server: server, Username: r.Username, Password: r.Password}
		}
		fmt.Fprintf(control, "Using image %s as is (user-managed environment)\n", img.ref)
		return img, nil
	}
	reg, err := c.workspaceRegistry(ctx)
	if err != nil {
		return nil, err
	}
	target := reg.Server + "/" + spec.Name()
	img := &aciImage{ref: target, cred: reg, python: python}
	regAuth := dockerexec.Registry{Address: reg.Server, Username: reg.Username, Password: reg.Password}
	eng, err := dockerexec.Connect(ctx, &dockerexec.ConnectOptions{Host: dockerexec.ResolveHost(c.opts.DockerHost), Logger: c.opts.Logger})
	if err != nil {
		return nil, dockerFailure(fmt.Errorf("the environment's conda dependencies need an image built for it, and building it needs a Docker engine on this machine: %w; "+
			"start Docker (or set ContainerInstanceOptions.DockerHost), or use a user-managed environment with a prebuilt image in environment.docker.baseImage", err))
	}
	defer eng.Close()
	if ok, err := eng.RemoteHasImage(ctx, target, regAuth); err != nil {
		return nil, dockerFailure(err)
	} else if ok {
		fmt.Fprintf(control, "Using image %s: the workspace's registry has it already, nothing built or pushed\n", target)
		return img, nil
	}
	lockDir, err := aciLockDir()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	built, err := eng.EnsureImage(ctx, spec, &dockerexec.EnsureOptions{
		Log: control,
		Lock: func(ctx context.Context, key string) (func(), error) {
			if err := os.MkdirAll(lockDir, 0o755); err != nil {
				return nil, err
			}
			return envbuild.LockFile(ctx, filepath.Join(lockDir, dockerLockName(eng.Host(), key)), nil)
		},
	})
	if err != nil {
		return nil, dockerFailure(err)
	}
	fmt.Fprintf(control, "Image %s ready on %s (%s in %s)\n", built.Name, eng.Host(), imageHow(built), time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := eng.Push(ctx, built.Name, target, regAuth, control); err != nil {
		return nil, dockerFailure(err)
	}
	fmt.Fprintf(control, "Pushed image %s in %s\n", target, time.Since(t0).Round(time.Millisecond))
	return img, nil
}

// aciLockDir holds the image build locks of this machine.
func aciLockDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("compute: no cache directory for Docker image locks: %w", err)
	}
	return filepath.Join(d, "amlgo", "docker-locks"), nil
}

// registryHost is the registry part of an image reference ("docker.io" when it has none).
func registryHost(ref string) string {
	first, _, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

// workspaceRegistry reads the workspace's container registry (properties.containerRegistry)
// and its admin credentials from Resource Manager.
func (c *ContainerInstance) workspaceRegistry(ctx context.Context) (*containergroup.RegistryCredential, error) {
	cl := c.az.Clients
	ws, err := cl.Workspaces.Get(ctx, c.az.ResourceGroup, c.az.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading workspace %s: %w", c.az.Name, err)
	}
	var id string
	if ws.Properties != nil && ws.Properties.ContainerRegistry != nil {
		id = *ws.Properties.ContainerRegistry
	}
	if id == "" {
		return nil, &environmentError{err: fmt.Errorf("%w: workspace %s has no container registry (properties.containerRegistry), which a containerinstance run of a conda environment needs for the environment's image; "+
			"attach a registry to the workspace, or use a user-managed environment with a prebuilt image in environment.docker.baseImage", ErrNoRegistry, c.az.Name)}
	}
	rid, err := arm.ParseResourceID(id)
	if err != nil {
		return nil, fmt.Errorf("compute: workspace %s names container registry %q, which is not a resource id: %w", c.az.Name, id, err)
	}
	rcl, err := cl.Registries(rid.SubscriptionID)
	if err != nil {
		return nil, err
	}
	reg, err := rcl.Get(ctx, rid.ResourceGroupName, rid.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading the workspace's container registry %s: %w", rid.Name, err)
	}
	if reg.Properties == nil || reg.Properties.LoginServer == nil || *reg.Properties.LoginServer == "" {
		return nil, fmt.Errorf("compute: the workspace's container registry %s has no login server", rid.Name)
	}
	creds, err := rcl.ListCredentials(ctx, rid.ResourceGroupName, rid.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading the credentials of container registry %s (its admin user must be enabled): %w", rid.Name, err)
	}
	if creds.Username == nil || len(creds.Passwords) == 0 || creds.Passwords[0] == nil || creds.Passwords[0].Value == nil {
		return nil, fmt.Errorf("compute: container registry %s returned no admin credentials; enable its admin user", rid.Name)
	}
	return &containergroup.RegistryCredential{Server: *reg.Properties.LoginServer, Username: *creds.Username, Password: *creds.Passwords[0].Value}, nil
}

// blobStore is the storage account of the workspace's default datastore, with its key.
func (c *ContainerInstance) blobStore(ctx context.Context) (*containergroup.Store, error) {
	cl := c.az.Clients
	var def *armmachinelearning.Datastore
	pager := cl.Datastores.NewListPager(c.az.ResourceGroup, c.az.Name, &armmachinelearning.DatastoresClientListOptions{IsDefault: to.Ptr(true)})
	for pager.More() && def == nil {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("compute: finding the workspace's default datastore: %w", err)
		}
		for _, d := range page.Value {
			if d != nil && d.Name != nil {
				def = d
				break
			}
		}
	}
	if def == nil {
		return nil, fmt.Errorf("compute: workspace %s has no default datastore; the containerinstance target uploads the snapshot to it", c.az.Name)
	}
	props, err := blobDatastore(def.Properties)
	if err != nil {
		return nil, fmt.Errorf("compute: the default datastore %s is not an Azure Blob datastore", *def.Name)
	}
	sec, err := cl.Datastores.ListSecrets(ctx, c.az.ResourceGroup, c.az.Name, *def.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading the secrets of datastore %s: %w", *def.Name, err)
	}
	key, ok := sec.DatastoreSecretsClassification.(*armmachinelearning.AccountKeyDatastoreSecrets)
	if !ok || key.Key == nil || *key.Key == "" {
		return nil, fmt.Errorf("compute: datastore %s has no account key; the containerinstance target signs its SAS tokens with the key of the default datastore's account", *def.Name)
	}
	protocol := props.protocol
	if protocol == "" {
		protocol = "https"
	}
	accountURL := protocol + "://" + props.account + ".blob." + props.endpoint + "/"
	if strings.Contains(props.endpoint, ":") {
		accountURL = protocol + "://" + props.endpoint + "/" + props.account + "/" // an emulator, path-style
	}
	opts := cl.BlobClientOptions()
	st, err := containergroup.NewStore(accountURL, props.account, *key.Key, &opts)
	if err != nil {
		return nil, err
	}
	if err := st.Ensure(ctx); err != nil {
		return nil, errtext.Public(err)
	}
	return st, nil
}
