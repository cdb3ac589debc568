package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Config directories and file names of azureml-core, in search order.
var (
	configDirs  = []string{".azureml", "aml_config", ""}
	configNames = []string{"config.json", "project.json"}
)

// Errors of the workspace configuration file, checked with errors.Is.
var (
	// ErrConfigNotFound reports that FromConfig found no workspace configuration file.
	ErrConfigNotFound = errors.New("workspace: configuration file not found")
	// ErrConfigInvalid reports a configuration file that does not name a workspace.
	ErrConfigInvalid = errors.New("workspace: invalid configuration file")
)

// Config is the content of a workspace configuration file (config.json or project.json).
type Config struct {
	SubscriptionID string
	ResourceGroup  string
	WorkspaceName  string
}

// ID returns the workspace the configuration names.
func (c Config) ID() ID {
	return ID{SubscriptionID: c.SubscriptionID, ResourceGroup: c.ResourceGroup, Name: c.WorkspaceName}
}

// ReadConfig reads a workspace configuration file in either of azureml-core's forms:
// {"subscription_id", "resource_group", "workspace_name"} or {"Id", "Scope"}, where Scope is
// the workspace's ARM id (possibly followed by /projects/<name>); Scope wins when present.
func ReadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("workspace: reading the workspace configuration file: %w", err)
	}
	var raw struct {
		Scope          *string `json:"Scope"`
		SubscriptionID string  `json:"subscription_id"`
		ResourceGroup  string  `json:"resource_group"`
		WorkspaceName  string  `json:"workspace_name"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Config{}, fmt.Errorf("%w: reading %s: %w", ErrConfigInvalid, path, err)
	}
	if raw.Scope != nil && *raw.Scope != "" {
		id, err := ParseID(*raw.Scope)
		if err != nil {
			return Config{}, fmt.Errorf("%w: reading %s: Scope: %w", ErrConfigInvalid, path, err)
		}
		return Config{SubscriptionID: id.SubscriptionID, ResourceGroup: id.ResourceGroup, WorkspaceName: id.Name}, nil
	}
	c := Config{SubscriptionID: raw.SubscriptionID, ResourceGroup: raw.ResourceGroup, WorkspaceName: raw.WorkspaceName}
	var missing []string
	for _, k := range []struct{ key, val string }{
		{"subscription_id", c.SubscriptionID}, {"resource_group", c.ResourceGroup}, {"workspace_name", c.WorkspaceName},
	} {
		if k.val == "" {
			missing = append(missing, k.key)
		}
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("%w: The config file found in: %s does not seem to contain the required parameters. "+
			"Please make sure it contains your subscription_id, resource_group and workspace_name. (missing or empty: %s)",
			ErrConfigInvalid, path, strings.Join(missing, ", "))
	}
	return c, nil
}

// FindConfig returns the configuration file FromConfig uses for path, with azureml-core's
// search: a leading "~" or "~user" is expanded to the home directory (as Python's
// os.path.expanduser: $HOME for "~"); a file path is used as is; for a directory, each
// combination of directory (.azureml, aml_config, the directory itself) and name
// (config.json, project.json), in that order, is looked for from path up to the root, and
// the first hit wins — so a .azureml/config.json in a parent beats a config.json in path
// itself. A "file" is a regular file or a symlink to one (os.path.isfile): a directory,
// pipe or socket of that name is passed over.
func FindConfig(path string) (string, error) {
	return FindConfigNamed(path, "")
}

// FindConfigNamed is FindConfig looking for fileName instead of config.json and project.json
// when path is a directory (azureml-core's _file_name); "" means those two.
func FindConfigNamed(path, fileName string) (string, error) {
	if path == "" {
		path = "."
	}
	if fileName != "" && (filepath.Base(fileName) != fileName || fileName == "." || fileName == "..") {
		return "", fmt.Errorf("workspace: configuration file name %q is not a file name; give a name such as config.json, or the file's path as path", fileName)
	}
	abs, err := filepath.Abs(expandUser(path))
	if err != nil {
		return "", fmt.Errorf("workspace: %w", err)
	}
	if fi, err := os.Stat(abs); err == nil && fi.Mode().IsRegular() {
		return abs, nil
	}
	names := configNames
	if fileName != "" {
		names = []string{fileName}
	}
	for _, d := range configDirs {
		for _, n := range names {
			// Up from path as azureml's traverse_up_path_and_find_file goes: the parent is
			// os.path.realpath(<dir>/..), so symlinks are resolved on the way up (the parent
			// of <link>/x is the parent of the link's target's x, not the link's directory).
			for dir := abs; ; {
				p := filepath.Join(dir, d, n)
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					return p, nil
				}
				if dir == "/" {
					break
				}
				dir = filepath.Dir(realPath(dir))
			}
		}
	}
	shown := "config.json" // azureml's words, whichever default name was looked for
	if fileName != "" {
		shown = fileName
	}
	return "", fmt.Errorf("%w: The workspace configuration file %s, could not be found in %s or its parent directories. "+
		"Please check whether the workspace configuration file exists, or provide the full path to the configuration file as an argument. "+
		"You can download a configuration file for your workspace, via http://ml.azure.com and clicking on the name of your workspace in the right top. "+
		"(looked for %s in %s/, %s/ and the directory itself, in %s and each of its parents)",
		ErrConfigNotFound, shown, abs, strings.Join(names, " and "), configDirs[0], configDirs[1], abs)
}

// FromConfig returns the Azure workspace named by the configuration file found from path
// (see FindConfig; opts.ConfigFileName looks for another file name, as azureml-core's
// Workspace.from_config(path, _file_name=...)), as azureml-core's Workspace.from_config.
// cred authenticates the requests (see Get). The caller must Close the workspace.
func FromConfig(ctx context.Context, cred azcore.TokenCredential, path string, opts *GetOptions) (*Workspace, error) {
	var name string
	if opts != nil {
		name = opts.ConfigFileName
	}
	file, err := FindConfigNamed(path, name)
	if err != nil {
		return nil, err
	}
	cfg, err := ReadConfig(file)
	if err != nil {
		return nil, err
	}
	var o GetOptions
	if opts != nil {
		o = *opts
	}
	o.ConfigFileName = "" // used: Get must not see it
	return Get(ctx, cred, cfg.ID(), &o)
}

// WriteConfigOptions configures WriteConfig. nil selects the defaults.
type WriteConfigOptions struct {
	// FileName is the file's name; its extension is forced to .json. "" means config.json,
	// or project.json when the configuration directory already has one.
	FileName string
}

// WriteConfig writes the workspace's configuration file under dir ("" means the current
// directory), as azureml-core 1.50's write_config: {"Id": null, "Scope": "<ARM id>"} without
// a trailing newline, into dir/aml_config if that directory exists, else into dir/.azureml
// (created). It returns the file's path. Only Azure workspaces have a configuration file.
func (w *Workspace) WriteConfig(dir string, opts *WriteConfigOptions) (string, error) {
	if w == nil || w.azure == nil {
		return "", fmt.Errorf("%w: WriteConfig", ErrRequiresAzureWorkspace)
	}
	var o WriteConfigOptions
	if opts != nil {
		o = *opts
	}
	if dir == "" {
		dir = "."
	}
	cfgDir := filepath.Join(dir, "aml_config")
	if fi, err := os.Stat(cfgDir); err != nil || !fi.IsDir() {
		cfgDir = filepath.Join(dir, ".azureml")
		if err := os.MkdirAll(cfgDir, 0o755); err != nil {
			return "", fmt.Errorf("workspace: %w", err)
		}
	}
	name := o.FileName
	switch {
	case name != "":
		name = strings.TrimSuffix(name, filepath.Ext(name)) + ".json"
	case fileExists(filepath.Join(cfgDir, "project.json")):
		name = "project.json"
	default:
		name = "config.json"
	}
	scope, _ := json.Marshal(w.azure.id.String())
	content := `{"Id": null, "Scope": ` + string(scope) + `}`
	p := filepath.Join(cfgDir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		return "", fmt.Errorf("workspace: %w", err)
	}
	return p, nil
}

// realPath is Python's os.path.realpath for a clean absolute path: symlinks resolved as far
// as the path exists, the missing rest kept as it is.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p
	}
	return filepath.Join(realPath(parent), filepath.Base(p))
}

// expandUser replaces a leading "~" (or "~user") component of path with the home directory,
// as Python's os.path.expanduser does; path is returned unchanged when there is none or the
// home directory is unknown.
func expandUser(path string) string {
	if !strings.HasPrefix(path, "~") {
		return path
	}
	i := strings.IndexByte(path, '/')
	if i < 0 {
		i = len(path)
	}
	var home string
	if name := path[1:i]; name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return path
		}
		home = u.HomeDir
	} else if h, ok := os.LookupEnv("HOME"); ok {
		home = h
	} else if u, err := user.Current(); err == nil {
		home = u.HomeDir
	} else {
		return path
	}
	if r := strings.TrimRight(home, "/") + path[i:]; r != "" {
		return r
	}
	return "/"
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
