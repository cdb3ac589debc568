package workspace_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/workspace"
)

const scope = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws1"

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestFindConfigSearchOrder(t *testing.T) {
	root := t.TempDir()
	start := filepath.Join(root, "a", "b")
	require.NoError(t, os.MkdirAll(start, 0o755))

	_, err := workspace.FindConfig(start)
	assert.ErrorIs(t, err, workspace.ErrConfigNotFound)
	assert.ErrorContains(t, err, "The workspace configuration file config.json, could not be found in "+start+" or its parent directories.")

	// Later in the order, nearer: the start directory's own config.json...
	write(t, filepath.Join(start, "config.json"), `{}`)
	got, err := workspace.FindConfig(start)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(start, "config.json"), got)
	// ...loses to aml_config/project.json two levels up...
	write(t, filepath.Join(root, "aml_config", "project.json"), `{}`)
	got, _ = workspace.FindConfig(start)
	assert.Equal(t, filepath.Join(root, "aml_config", "project.json"), got)
	// ...which loses to aml_config/config.json anywhere up...
	write(t, filepath.Join(root, "a", "aml_config", "config.json"), `{}`)
	got, _ = workspace.FindConfig(start)
	assert.Equal(t, filepath.Join(root, "a", "aml_config", "config.json"), got)
	// ...which loses to .azureml/project.json at the root...
	write(t, filepath.Join(root, ".azureml", "project.json"), `{}`)
	got, _ = workspace.FindConfig(start)
	assert.Equal(t, filepath.Join(root, ".azureml", "project.json"), got)
	// ...which loses to .azureml/config.json two levels up.
	write(t, filepath.Join(root, ".azureml", "config.json"), `{}`)
	got, _ = workspace.FindConfig(start)
	assert.Equal(t, filepath.Join(root, ".azureml", "config.json"), got)

	// A file path is used as is.
	got, _ = workspace.FindConfig(filepath.Join(start, "config.json"))
	assert.Equal(t, filepath.Join(start, "config.json"), got)

	t.Chdir(start)
	got, _ = workspace.FindConfig("")
	assert.Equal(t, filepath.Join(root, ".azureml", "config.json"), got)
}

// azureml goes up with os.path.realpath(<dir>/..): from <link>/x the next directory is the
// link target's, not the link's own (found by the differential test).
func TestFindConfigResolvesSymlinksGoingUp(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "real", "proj")
	require.NoError(t, os.MkdirAll(filepath.Join(target, "x"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "links"), 0o755))
	link := filepath.Join(root, "links", "proj")
	require.NoError(t, os.Symlink(target, link))
	write(t, filepath.Join(root, "links", "config.json"), `{}`)
	write(t, filepath.Join(root, "real", "config.json"), `{}`)

	got, err := workspace.FindConfig(filepath.Join(link, "x"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "real", "config.json"), got)
	// At the start the path is taken as given, unresolved.
	write(t, filepath.Join(target, "x", "config.json"), `{}`)
	got, err = workspace.FindConfig(filepath.Join(link, "x"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(link, "x", "config.json"), got)
	// A start path that does not exist: its existing part is resolved on the way up.
	got, err = workspace.FindConfig(filepath.Join(link, "missing", "dir"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "real", "config.json"), got)
}

// os.path.isfile: a named pipe called config.json is passed over (reading it would block).
func TestFindConfigSkipsNonRegularFiles(t *testing.T) {
	root := t.TempDir()
	start := filepath.Join(root, "proj")
	require.NoError(t, os.MkdirAll(filepath.Join(start, ".azureml"), 0o755))
	require.NoError(t, syscall.Mkfifo(filepath.Join(start, ".azureml", "config.json"), 0o644))
	write(t, filepath.Join(root, ".azureml", "config.json"), `{}`)
	got, err := workspace.FindConfig(start)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, ".azureml", "config.json"), got)
	// Given as the path, the pipe is not used: the search starts from it as from a directory.
	got, err = workspace.FindConfig(filepath.Join(start, ".azureml", "config.json"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, ".azureml", "config.json"), got)
}

// As Workspace.from_config (os.path.expanduser): found by the differential test.
func TestFindConfigExpandsHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	write(t, filepath.Join(home, "proj", ".azureml", "config.json"), `{}`)
	for _, p := range []string{"~/proj", "~/proj/", "~/proj/sub/.."} {
		got, err := workspace.FindConfig(p)
		require.NoError(t, err, p)
		assert.Equal(t, filepath.Join(home, "proj", ".azureml", "config.json"), got, p)
	}
	_, err := workspace.FindConfig("~")
	assert.ErrorContains(t, err, "could not be found in "+home+" or its parent directories")
	// "~x" is a user name; an unknown user leaves the path as it is.
	_, err = workspace.FindConfig("~no-such-user-amlgo/proj")
	assert.ErrorIs(t, err, workspace.ErrConfigNotFound)
}

func TestReadConfigForms(t *testing.T) {
	dir := t.TempDir()
	want := workspace.Config{SubscriptionID: "sub-1", ResourceGroup: "rg-1", WorkspaceName: "ws1"}

	write(t, filepath.Join(dir, "keys.json"), `{"subscription_id": "sub-1", "resource_group": "rg-1", "workspace_name": "ws1"}`)
	c, err := workspace.ReadConfig(filepath.Join(dir, "keys.json"))
	require.NoError(t, err)
	assert.Equal(t, want, c)

	write(t, filepath.Join(dir, "scope.json"), `{"Id": null, "Scope": "`+scope+`"}`)
	c, err = workspace.ReadConfig(filepath.Join(dir, "scope.json"))
	require.NoError(t, err)
	assert.Equal(t, want, c)

	// Scope wins over the keys; a legacy project.json scope names a project under the workspace.
	write(t, filepath.Join(dir, "both.json"), `{"Id": "proj", "Scope": "`+scope+`/projects/proj", "workspace_name": "other"}`)
	c, err = workspace.ReadConfig(filepath.Join(dir, "both.json"))
	require.NoError(t, err)
	assert.Equal(t, want, c)

	// Missing keys: azureml's message, then every missing key in a stable order.
	bad := filepath.Join(dir, "bad.json")
	write(t, bad, `{"subscription_id": "sub-1", "workspace_name": ""}`)
	for range 20 {
		_, err = workspace.ReadConfig(bad)
		assert.EqualError(t, err, "workspace: invalid configuration file: The config file found in: "+bad+
			" does not seem to contain the required parameters. Please make sure it contains your subscription_id, "+
			"resource_group and workspace_name. (missing or empty: resource_group, workspace_name)")
		assert.ErrorIs(t, err, workspace.ErrConfigInvalid)
	}
	write(t, bad, `{}`)
	_, err = workspace.ReadConfig(bad)
	assert.ErrorContains(t, err, "(missing or empty: subscription_id, resource_group, workspace_name)")
	write(t, bad, `{"subscription_id": `)
	_, err = workspace.ReadConfig(bad)
	assert.ErrorIs(t, err, workspace.ErrConfigInvalid)
	assert.ErrorContains(t, err, bad)
	write(t, filepath.Join(dir, "badscope.json"), `{"Scope": "/nope"}`)
	_, err = workspace.ReadConfig(filepath.Join(dir, "badscope.json"))
	assert.Error(t, err)
}

func TestFromConfigAndWriteConfig(t *testing.T) {
	ctx := context.Background()
	srv, _ := fakeWorkspace(t)
	proj := t.TempDir()
	write(t, filepath.Join(proj, ".azureml", "config.json"), `{"subscription_id": "sub-1", "resource_group": "rg-1", "workspace_name": "ws1"}`)
	deep := filepath.Join(proj, "src", "deep")
	require.NoError(t, os.MkdirAll(deep, 0o755))

	ws, err := workspace.FromConfig(ctx, srv.Credential(), deep, opts(srv, t.TempDir()))
	require.NoError(t, err)
	defer ws.Close()
	assert.Equal(t, "ws1", ws.Name())

	// write_config: .azureml/ created, exact content, no trailing newline.
	out := t.TempDir()
	p, err := ws.WriteConfig(out, nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, ".azureml", "config.json"), p)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, `{"Id": null, "Scope": "`+scope+`"}`, string(b))

	// aml_config/ wins when it exists (even with .azureml/ there); project.json is kept.
	require.NoError(t, os.MkdirAll(filepath.Join(out, "aml_config"), 0o755))
	write(t, filepath.Join(out, "aml_config", "project.json"), `{}`)
	p, err = ws.WriteConfig(out, nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "aml_config", "project.json"), p)
	p, err = ws.WriteConfig(out, &workspace.WriteConfigOptions{FileName: "mine.txt"})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "aml_config", "mine.json"), p)

	// What write_config wrote, from_config reads.
	ws2, err := workspace.FromConfig(ctx, srv.Credential(), p, opts(srv, t.TempDir()))
	require.NoError(t, err)
	defer ws2.Close()
	info, _ := ws2.Azure()
	assert.Equal(t, scope, info.ID.String())
}

// TestFindConfigNamed: azureml's _file_name replaces config.json and project.json in the same
// search; the not-found message names the file and what was searched.
func TestFindConfigNamed(t *testing.T) {
	root := t.TempDir()
	start := filepath.Join(root, "a")
	require.NoError(t, os.MkdirAll(start, 0o755))
	write(t, filepath.Join(root, ".azureml", "config.json"), `{}`)
	write(t, filepath.Join(start, "staging.json"), `{}`)

	got, err := workspace.FindConfigNamed(start, "staging.json")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(start, "staging.json"), got)
	write(t, filepath.Join(root, "aml_config", "staging.json"), `{}`)
	got, _ = workspace.FindConfigNamed(start, "staging.json")
	assert.Equal(t, filepath.Join(root, "aml_config", "staging.json"), got, "aml_config/ up the tree beats the directory itself")
	got, _ = workspace.FindConfigNamed(start, "")
	assert.Equal(t, filepath.Join(root, ".azureml", "config.json"), got)

	_, err = workspace.FindConfigNamed(start, "prod.json")
	assert.ErrorIs(t, err, workspace.ErrConfigNotFound)
	assert.EqualError(t, err, "workspace: configuration file not found: The workspace configuration file prod.json, could not be found in "+start+
		" or its parent directories. Please check whether the workspace configuration file exists, or provide the full path to the configuration file as an argument. "+
		"You can download a configuration file for your workspace, via http://ml.azure.com and clicking on the name of your workspace in the right top. "+
		"(looked for prod.json in .azureml/, aml_config/ and the directory itself, in "+start+" and each of its parents)")
	_, err = workspace.FindConfigNamed(start, "../x.json")
	assert.ErrorContains(t, err, "is not a file name")
}

func TestFromConfigFileName(t *testing.T) {
	ctx := context.Background()
	srv, _ := fakeWorkspace(t)
	proj := t.TempDir()
	write(t, filepath.Join(proj, ".azureml", "config.json"), `{"subscription_id": "sub-1", "resource_group": "rg-1", "workspace_name": "nope"}`)
	write(t, filepath.Join(proj, ".azureml", "ws1.json"), `{"Id": null, "Scope": "`+scope+`"}`)
	o := opts(srv, t.TempDir())
	o.ConfigFileName = "ws1.json"
	ws, err := workspace.FromConfig(ctx, srv.Credential(), proj, o)
	require.NoError(t, err)
	defer ws.Close()
	assert.Equal(t, "ws1", ws.Name())
	assert.Equal(t, "ws1.json", o.ConfigFileName, "options are not modified")

	_, err = workspace.Get(ctx, srv.Credential(), workspace.ID{SubscriptionID: "sub-1", ResourceGroup: "rg-1", Name: "ws1"}, o)
	assert.ErrorContains(t, err, "GetOptions.ConfigFileName \"ws1.json\" is for FromConfig")
}
