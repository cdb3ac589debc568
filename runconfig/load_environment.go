package runconfig

import (
	"fmt"
	"os"
	"path/filepath"
)

// LoadEnvironment reads a separate environment YAML file — the file a runconfig names with
// "environment: .azureml/environment.yml", and which SaveOptions.SeparateEnvironmentYAML writes.
// Its condaDependenciesFile is resolved relative to the project directory: the parent of the
// file's directory when that is .azureml or aml_config, else the file's own directory. The conda
// file must exist.
func LoadEnvironment(path string, opts *LoadOptions) (*Environment, error) {
	if opts == nil {
		opts = &LoadOptions{}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, newError(fmt.Sprintf("environment file %s cannot be read: %v", path, err), ErrNotFound)
	}
	root, err := parseDocument(data, "environment file "+path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	base := dir
	if b := filepath.Base(dir); b == configDir || b == legacyConfigDir {
		base = filepath.Dir(dir)
	}
	d := &rcDecoder{nodeDecoder: nodeDecoder{warn: opts.OnWarning}, baseDir: base, resolve: true, fileDir: dir}
	env := d.environment(root, "environment")
	if err := d.result(); err != nil {
		return nil, err
	}
	return &env, nil
}
