package compute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// sasQuery matches a URL's query, which holds a SAS token.
var sasQuery = regexp.MustCompile(`\?[^\s"']*`)

// redactURLError keeps SAS tokens out of an error's text.
func redactURLError(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(sasQuery.ReplaceAllString(err.Error(), "?<redacted>"))
}

// CollectOutputs hands put the job's artifacts from the workspace's artifact store
// (ExperimentRun/dcid.<job>/...): outputs/, logs/ and the log files, named as in the store.
func (e *serviceExecution) CollectOutputs(ctx context.Context, put func(name string, r io.Reader) error) error {
	cc, err := e.artifactContainer(ctx)
	if err != nil {
		return err
	}
	prefix := "ExperimentRun/dcid." + e.st.Job + "/"
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("compute: listing the artifacts of job %s: %w", e.st.Job, redactURLError(err))
		}
		for _, b := range page.Segment.BlobItems {
			name := strings.TrimPrefix(*b.Name, prefix)
			if !(strings.HasPrefix(name, "outputs/") || strings.HasPrefix(name, "logs/") || strings.HasPrefix(name, "user_logs/") ||
				strings.HasPrefix(name, "azureml-logs/") || strings.HasPrefix(name, "system_logs/")) {
				continue
			}
			resp, err := cc.NewBlobClient(*b.Name).DownloadStream(ctx, nil)
			if err != nil {
				return fmt.Errorf("compute: downloading artifact %s of job %s: %w", name, e.st.Job, redactURLError(err))
			}
			err = put(name, resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// artifactContainer is the artifact store's container, through the workspaceartifactstore
// datastore and its SAS (listSecrets). An endpoint with a port (an emulator's Azurite) is
// addressed path-style.
func (e *serviceExecution) artifactContainer(ctx context.Context) (*container.Client, error) {
	cl := e.c.az.Clients
	ds, err := cl.Datastores.Get(ctx, e.c.az.ResourceGroup, e.c.az.Name, "workspaceartifactstore", nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading the artifact datastore: %w", err)
	}
	props, err := blobDatastore(ds.Properties)
	if err != nil {
		return nil, err
	}
	sec, err := cl.Datastores.ListSecrets(ctx, e.c.az.ResourceGroup, e.c.az.Name, "workspaceartifactstore", nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading the artifact datastore's secrets: %w", err)
	}
	token, err := sasToken(sec.DatastoreSecretsClassification)
	if err != nil {
		return nil, err
	}
	protocol := props.protocol
	if protocol == "" {
		protocol = "https"
	}
	var u string
	if strings.Contains(props.endpoint, ":") {
		u = protocol + "://" + props.endpoint + "/" + props.account + "/" + props.container
	} else {
		u = protocol + "://" + props.account + ".blob." + props.endpoint + "/" + props.container
	}
	cc, err := container.NewClientWithNoCredential(u+"?"+strings.TrimPrefix(token, "?"), &container.ClientOptions{ClientOptions: e.c.az.Clients.BlobClientOptions()})
	if err != nil {
		return nil, fmt.Errorf("compute: %w", redactURLError(err))
	}
	return cc, nil
}

// blobStore is an AzureBlob datastore's location.
type blobStore struct{ account, container, endpoint, protocol string }

func blobDatastore(p armmachinelearning.DatastorePropertiesClassification) (*blobStore, error) {
	b, ok := p.(*armmachinelearning.AzureBlobDatastore)
	if !ok || b.AccountName == nil || b.ContainerName == nil {
		return nil, fmt.Errorf("compute: the artifact datastore is not an Azure Blob datastore")
	}
	st := &blobStore{account: *b.AccountName, container: *b.ContainerName, endpoint: "core.windows.net"}
	if b.Endpoint != nil && *b.Endpoint != "" {
		st.endpoint = *b.Endpoint
	}
	if b.Protocol != nil {
		st.protocol = *b.Protocol
	}
	return st, nil
}

func sasToken(s armmachinelearning.DatastoreSecretsClassification) (string, error) {
	sas, ok := s.(*armmachinelearning.SasDatastoreSecrets)
	if !ok || sas.SasToken == nil {
		return "", fmt.Errorf("compute: the artifact datastore's secrets hold no SAS token")
	}
	return *sas.SasToken, nil
}
