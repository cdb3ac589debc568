package compute

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
	"github.com/amlgo/amlgo/workspace"
)

// Get returns the workspace's compute target called name. "local" is the local machine on every
// workspace. A name the workspace does not have gives an error wrapping ErrNotFound with
// azureml-core's ComputeTargetNotFound message.
func Get(ctx context.Context, ws *workspace.Workspace, name string) (_ ComputeTarget, err error) {
	defer func() { err = errtext.Public(err) }()
	if ws == nil {
		return nil, errors.New("compute: nil workspace")
	}
	switch name {
	case "":
		return nil, errors.New("compute: Must specify a target either through run configuration or arguments.")
	case "local":
		return NewLocal(ws, nil)
	case "containerinstance", "amlcompute":
		if az, ok := wsaccess.Azure(ws); ok && name == "containerinstance" {
			return getAzure(ctx, ws, az, name) // Azure workspaces: the ACI target (compute/container_instance.go)
		}
		if name == "containerinstance" {
			return nil, fmt.Errorf("%w: the reserved target \"containerinstance\" (Azure Container Instances) needs an Azure workspace (workspace.FromConfig or workspace.Get); "+
				"on a local workspace run on \"local\" or on a VM attached with compute.AttachRemote", ErrUnsupported)
		}
		return nil, fmt.Errorf("%w: the reserved target \"amlcompute\" (a cluster created for the run) is not implemented by amlgo yet; "+
			"run on \"local\" or on a VM attached with compute.AttachRemote", ErrUnsupported)
	}
	if az, ok := wsaccess.Azure(ws); ok {
		return getAzure(ctx, ws, az, name) // Azure workspaces: typed by computeType (compute/azure_client.go)
	}
	rec, err := storedCompute(ctx, ws, name)
	if err != nil {
		return nil, err
	}
	if rec.Type == string(TypeVirtualMachine) {
		// An attached VM (*DSVM); a password target needs DSVM.SetPassword before it connects.
		return loadDSVM(ws, rec, nil)
	}
	if rec.Type == string(TypeHDInsight) {
		// A cluster attached by its SSH endpoint (compute/hdinsight_run.go).
		return loadHDInsight(ws, rec, nil)
	}
	return nil, fmt.Errorf("%w: compute target %q has type %s, which amlgo cannot run yet; run on \"local\" or on a VM attached with compute.AttachRemote", ErrUnsupported, name, rec.Type)
}

// List returns the workspace's compute targets by name, "local" included. Targets whose type
// amlgo cannot run yet are left out.
func List(ctx context.Context, ws *workspace.Workspace) (_ map[string]ComputeTarget, err error) {
	defer func() { err = errtext.Public(err) }()
	local, err := NewLocal(ws, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]ComputeTarget{local.Name(): local}
	if az, ok := wsaccess.Azure(ws); ok {
		if err := listAzure(ctx, ws, az, out); err != nil { // compute/azure_client.go
			return nil, err
		}
		return out, nil
	}
	st, err := wsaccess.Store(ws)
	if err != nil {
		return nil, fmt.Errorf("compute: %w", err)
	}
	for c, err := range st.Computes(ctx) {
		if err != nil {
			return nil, fmt.Errorf("compute: listing targets: %w", err)
		}
		if t, err := Get(ctx, ws, c.Name); err == nil {
			out[c.Name] = t
		}
	}
	return out, nil
}

// IsReservedName reports whether name is reserved by azureml-core ("local", "containerinstance",
// "amlcompute") and so cannot name a created or attached target.
func IsReservedName(name string) bool { return slices.Contains(ReservedNames, name) }

// storedCompute reads the record of a target attached to a local workspace, with azureml-core's
// ComputeTargetNotFound message when there is none.
func storedCompute(ctx context.Context, ws *workspace.Workspace, name string) (store.Compute, error) {
	st, err := wsaccess.Store(ws)
	if err != nil {
		return store.Compute{}, fmt.Errorf("compute: %w", err)
	}
	rec, err := st.Compute(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return store.Compute{}, fmt.Errorf("%w: ComputeTargetNotFound: Compute Target with name %s not found in provided workspace", ErrNotFound, name)
	}
	if err != nil {
		return store.Compute{}, fmt.Errorf("compute: looking up %q: %w", name, err)
	}
	return rec, nil
}
