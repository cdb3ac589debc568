package dockerexec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// ContainerRunDir is where the run directory is mounted in the container.
const ContainerRunDir = "/azureml-run"

// ContainerWorkDir is the script's working directory in the container when the project is
// copied in rather than shared (sharedVolumes: false).
const ContainerWorkDir = "/azureml-wd"

// ContainerName is the container of run runID whose run directory is runDir on the engine's
// host: amlgo-<run id>-<8 hex of the run directory>, unique even where two workspaces share an
// engine and a run id.
func ContainerName(runID, runDir string) string {
	h := sha256.Sum256([]byte(runDir))
	return "amlgo-" + runID + "-" + hex.EncodeToString(h[:4])
}

// Launch is what Start needs.
type Launch struct {
	// Engine runs the container.
	Engine *Engine
	// Container is the container's specification (its Name is State.Container).
	Container ContainerSpec
	// CopyIn, when set, is a tar archive unpacked at / in the container before it starts (the
	// project, when it is copied in rather than shared).
	CopyIn io.Reader
	// State is the execution's persisted form (LaunchedAt is set by Start).
	State State
	// Files is the run directory on the engine's host.
	Files Files
}

// Start creates and starts the run's container and returns its execution. A container left by
// a failed start is removed.
func Start(ctx context.Context, l Launch) (_ *Execution, err error) {
	if l.Engine == nil || l.Container.Name == "" || l.State.Container != l.Container.Name {
		return nil, errors.New("dockerexec: Launch needs an engine and the container's name in both Container and State")
	}
	labels := map[string]string{LabelRunDir: l.State.RunDir}
	for k, v := range l.Container.Labels {
		labels[k] = v
	}
	l.Container.Labels = labels
	if _, err := l.Engine.CreateContainer(ctx, l.Container); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			// Best effort, with its own deadline: ctx may be what failed.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_ = l.Engine.Remove(rctx, l.Container.Name)
		}
	}()
	if l.CopyIn != nil {
		if err := l.Engine.CopyTo(ctx, l.Container.Name, "/", l.CopyIn); err != nil {
			return nil, fmt.Errorf("copying the project into the container: %w", err)
		}
	}
	if err := l.Engine.StartContainer(ctx, l.Container.Name); err != nil {
		return nil, err
	}
	l.State.LaunchedAt = time.Now().UTC()
	return Resume(l.Engine, l.State, l.Files), nil
}
