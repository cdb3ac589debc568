package compute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// azureVM is a VirtualMachine compute of an Azure workspace (fake Resource Manager) whose
// address and port are those of a real sshd, and whose listKeys answers the administrator
// account that account builds; it returns the secrets account says to look for.
func azureVM(t *testing.T, account func(srv *sshtest.Server) (map[string]any, []string)) (*sshtest.Server, *armfake.Server, *workspace.Workspace, []string) {
	t.Helper()
	srv := sshtest.Start(t)
	acct, secrets := account(srv)
	fake := armfake.New(t)
	armID := fake.NewWorkspace("sub-1", "rg-1", "ws1", "eastus")
	id, err := workspace.ParseID(armID)
	require.NoError(t, err)
	ws, err := workspace.Get(context.Background(), fake.Credential(), id,
		&workspace.GetOptions{ClientOptions: fake.ClientOptions(), Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	body, err := json.Marshal(map[string]any{"location": "eastus", "properties": map[string]any{
		"computeType": "VirtualMachine", "provisioningState": "Succeeded", "isAttachedCompute": true,
		"properties": map[string]any{"address": srv.Host, "sshPort": srv.Port,
			"administratorAccount": map[string]any{"username": srv.User}}}})
	require.NoError(t, err)
	fake.AddCompute(armID, "vm", body)
	keys, err := json.Marshal(map[string]any{"computeType": "VirtualMachine", "administratorAccount": acct})
	require.NoError(t, err)
	fake.SetComputeKeys(armID, "vm", keys)
	return srv, fake, ws, secrets
}

// TestAzureDSVMRunsWithListKeys submits runs to a VM of an Azure workspace that the process has
// no credentials for: the target fetches them with listKeys (a password, then a private key),
// checks the host key against known_hosts or a pinned key, and the run completes with the
// script's output. The secrets appear in no workspace file, output, error or other request.
func TestAzureDSVMRunsWithListKeys(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account func(srv *sshtest.Server) (map[string]any, []string)
		pinned  bool
	}{
		{"password", func(srv *sshtest.Server) (map[string]any, []string) {
			return map[string]any{"username": srv.User, "password": srv.Password}, []string{srv.Password}
		}, false},
		{"private key", func(srv *sshtest.Server) (map[string]any, []string) {
			pem, err := os.ReadFile(srv.KeyFile)
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(string(pem)), "\n")
			return map[string]any{"username": srv.User, "privateKeyData": string(pem)}, []string{string(pem), lines[1]}
		}, true},
		{"encrypted private key", func(srv *sshtest.Server) (map[string]any, []string) {
			pem, err := os.ReadFile(srv.EncryptedKeyFile)
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(string(pem)), "\n")
			return map[string]any{"username": srv.User, "privateKeyData": string(pem), "passphrase": srv.KeyPassphrase},
				[]string{string(pem), lines[1], srv.KeyPassphrase}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			srv, fake, ws, secrets := azureVM(t, tc.account)
			var errs []string

			got, err := compute.Get(ctx, ws, "vm")
			require.NoError(t, err)
			d, ok := got.(*compute.DSVM)
			require.True(t, ok, "Get returns *DSVM for a VirtualMachine compute")
			addr, port := d.Address()
			assert.Equal(t, srv.Host, addr)
			assert.Equal(t, srv.Port, port)

			// An unknown host key stops the connection with the key's fingerprint.
			empty := filepath.Join(t.TempDir(), "known_hosts")
			require.NoError(t, os.WriteFile(empty, nil, 0o600))
			require.NoError(t, d.SetHostKeys(empty, ""))
			dir := writeSource(t, map[string]string{"train.py": "import sys\nprint('hello from the azure vm', sys.argv[1:])\n"})
			exp, err := experiment.New(ws, "azurevm")
			require.NoError(t, err)
			rc := vmRunConfig()
			src := runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", Arguments: []any{"--n", "3"}, RunConfig: rc}
			_, err = exp.Submit(ctx, src, nil)
			require.ErrorIs(t, err, compute.ErrHostUnknown)
			assert.Contains(t, err.Error(), "SHA256:")
			errs = append(errs, err.Error())

			if tc.pinned {
				require.NoError(t, d.SetHostKeys("", srv.HostPublicKey))
			} else {
				require.NoError(t, d.SetHostKeys(srv.KnownHostsFile, ""))
			}
			t.Cleanup(func() { _ = d.Close() })
			// Submit resolves the target with compute.Get, which remembers the policy.
			run, err := exp.Submit(ctx, src, nil)
			require.NoError(t, err)
			var out lockedBuffer
			details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
			require.NoError(t, err, out.String())
			assert.Equal(t, "Completed", string(details.Status))
			assert.Contains(t, out.String(), "hello from the azure vm ['--n', '3']")

			nkeys := 0
			for _, r := range fake.Requests() {
				if strings.HasSuffix(r.Path, "/listKeys") {
					nkeys++
				}
				for _, sec := range secrets {
					assert.NotContains(t, string(r.Body), sec, "secret sent in %s %s", r.Method, r.Path)
				}
			}
			assert.Positive(t, nkeys, "credentials come from listKeys")

			scan := func(what, content string) {
				for _, s := range secrets {
					assert.NotContains(t, content, s, "secret found in %s", what)
				}
			}
			scan("output", out.String())
			scan("errors", strings.Join(errs, "\n"))
			scan("target", fmt.Sprintf("%v %+v", d, d))
			n := 0
			require.NoError(t, filepath.WalkDir(ws.Dir(), func(p string, de fs.DirEntry, err error) error {
				if err != nil || !de.Type().IsRegular() {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				n++
				scan(p, string(b))
				return nil
			}))
			assert.Positive(t, n)
		})
	}
}

// TestAzureDSVMCredentialsFromTheProcessWin checks a VM whose listKeys has no secret: Start
// says to call SetPassword, and a password given with SetPassword is used (and remembered for
// compute.Get) without asking the service again.
func TestAzureDSVMCredentialsFromTheProcessWin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, fake, ws, _ := azureVM(t, func(srv *sshtest.Server) (map[string]any, []string) {
		return map[string]any{"username": srv.User}, nil
	})
	got, err := compute.Get(ctx, ws, "vm")
	require.NoError(t, err)
	d := got.(*compute.DSVM)
	require.NoError(t, d.SetHostKeys(srv.KnownHostsFile, ""))
	t.Cleanup(func() { _ = d.Close() })
	dir := writeSource(t, map[string]string{"train.py": "print('with the process password')\n"})
	exp, err := experiment.New(ws, "azurevm")
	require.NoError(t, err)
	src := runconfig.ScriptRunConfig{SourceDirectory: dir, Script: "train.py", RunConfig: vmRunConfig()}
	_, err = exp.Submit(ctx, src, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listKeys")
	assert.Contains(t, err.Error(), "SetPassword")

	d.SetPassword(srv.Password)
	before := len(fake.Requests())
	run, err := exp.Submit(ctx, src, nil)
	require.NoError(t, err)
	var out lockedBuffer
	details, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: &out})
	require.NoError(t, err, out.String())
	assert.Equal(t, "Completed", string(details.Status))
	assert.Contains(t, out.String(), "with the process password")
	for _, r := range fake.Requests()[before:] {
		assert.False(t, strings.HasSuffix(r.Path, "/listKeys"), "listKeys called although the process has a password")
	}
}

func TestDSVMSetHostKeysValidation(t *testing.T) {
	_, _, ws, _ := azureVM(t, func(srv *sshtest.Server) (map[string]any, []string) {
		return map[string]any{"username": srv.User}, nil
	})
	got, err := compute.Get(context.Background(), ws, "vm")
	require.NoError(t, err)
	d := got.(*compute.DSVM)
	assert.ErrorContains(t, d.SetHostKeys("/k", "ssh-ed25519 AAAA"), "at most one")
	assert.ErrorContains(t, d.SetHostKeys("", "not a key"), "authorized_keys")

	_, _, local := vmTarget(t)
	assert.ErrorIs(t, local.SetHostKeys("/k", ""), compute.ErrUnsupported)
}
