package compute

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/amlgo/amlgo/internal/arm"
	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/errtext"
	"github.com/amlgo/amlgo/internal/rundir"
	"github.com/amlgo/amlgo/internal/sasredact"
)

// CollectOutputs hands put the run's outputs/, logs/ and azureml-logs files from the outputs
// tar the container uploaded (or, when it uploaded none, the log blobs), then deletes the
// container group unless it is kept.
func (e *aciExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) (err error) {
	defer func() { err = errtext.Public(sasredact.Error(err)) }()
	r, ok, err := e.store.OpenOutputs(ctx, e.st.RunID)
	if err != nil {
		return err
	}
	if ok {
		err = collectTar(r, put)
		r.Close()
	} else {
		err = e.collectLogBlobs(ctx, put)
	}
	if err != nil {
		return err
	}
	if e.st.Keep {
		return nil
	}
	return e.deleteGroup(ctx)
}

func collectTar(r io.Reader, put func(name string, r io.Reader) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("compute: reading the run's outputs: %w", err)
		}
		if h.Typeflag != tar.TypeReg || !validArtifactName(h.Name) {
			continue
		}
		if err := put(h.Name, tr); err != nil {
			return err
		}
	}
}

// validArtifactName accepts outputs/, logs/ and azureml-logs/ paths without ".." or absolute parts.
func validArtifactName(name string) bool {
	if strings.HasPrefix(name, "/") || strings.Contains("/"+name+"/", "/../") {
		return false
	}
	for _, p := range []string{"outputs/", "logs/", "azureml-logs/"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func (e *aciExecution) collectLogBlobs(ctx context.Context, put func(name string, r io.Reader) error) error {
	files, err := e.obs.FS.RegularFiles(ctx, driver.RelAzureLogs)
	if err != nil {
		return err
	}
	for _, f := range files {
		name := driver.RelAzureLogs + "/" + f.Name
		var data []byte
		for off := int64(0); off < f.Size; {
			b, err := e.obs.FS.ReadFrom(ctx, name, off, rundir.MaxChunk, f.Size)
			if err != nil {
				return err
			}
			if len(b) == 0 {
				break
			}
			data = append(data, b...)
			off += int64(len(b))
		}
		if err := put(name, strings.NewReader(string(data))); err != nil {
			return err
		}
	}
	return nil
}

// deleteGroup deletes the container group and waits until Resource Manager says it is gone.
func (e *aciExecution) deleteGroup(ctx context.Context) error {
	p, err := e.c.az.Clients.ContainerGroups.BeginDelete(ctx, e.st.ResourceGroup, e.st.Group, nil)
	if arm.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("compute: deleting container group %s: %w", e.st.Group, err)
	}
	if _, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Second}); err != nil && !arm.IsNotFound(err) {
		return fmt.Errorf("compute: deleting container group %s: %w", e.st.Group, err)
	}
	return nil
}
