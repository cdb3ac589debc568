package azuritetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
)

// ConnectionString returns a connection string the Go and Python SDKs accept for the account
// (the Go SDK does not understand UseDevelopmentStorage=true).
func (a *Azurite) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		a.AccountName, a.AccountKey, a.BlobEndpoint)
}

// Client returns a shared-key client of the account's blob service.
func (a *Azurite) Client() *azblob.Client { return a.client }

// CreateContainer creates the container; one that exists already is fine.
func (a *Azurite) CreateContainer(ctx context.Context, name string) error {
	_, err := a.client.CreateContainer(ctx, name, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return fmt.Errorf("azuritetest: creating container %q: %w", name, err)
	}
	return nil
}

// SASURL returns the URL of the container with a service SAS granting perms until ttl from now
// (valid from five minutes ago, against clock skew), signed for https and http. The container
// need not exist.
func (a *Azurite) SASURL(container string, perms sas.ContainerPermissions, ttl time.Duration) (string, error) {
	now := time.Now().UTC()
	qp, err := sas.BlobSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		StartTime:     now.Add(-5 * time.Minute),
		ExpiryTime:    now.Add(ttl),
		Permissions:   perms.String(),
		ContainerName: container,
	}.SignWithSharedKey(a.cred)
	if err != nil {
		return "", fmt.Errorf("azuritetest: signing a SAS for %q: %w", container, err)
	}
	return a.BlobEndpoint + "/" + container + "?" + qp.Encode(), nil
}

// UploadPermissions are the permissions of the SAS that ContainerSAS returns: what an upload
// needs and what a test needs to check it (read, add, create, write, list).
var UploadPermissions = sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, List: true}

// ContainerSAS creates the container and returns its URL with a SAS of UploadPermissions valid
// for ttl, like the temporary container startPendingUpload hands out. It fails t on error.
func (a *Azurite) ContainerSAS(t testing.TB, container string, ttl time.Duration) string {
	t.Helper()
	if err := a.CreateContainer(context.Background(), container); err != nil {
		t.Fatal(err)
	}
	u, err := a.SASURL(container, UploadPermissions, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
