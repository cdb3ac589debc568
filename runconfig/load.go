package runconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Config directory names, in the order 1.50 prefers them.
const (
	legacyConfigDir = "aml_config"
	configDir       = ".azureml"
)

// LoadOptions tunes Load. A nil *LoadOptions is valid.
type LoadOptions struct {
	// OnWarning, when non-nil, receives one message per ignored (unknown) key and per legacy
	// mapping applied. Loading never fails because of unknown keys.
	OnWarning func(msg string)
}

// ParseOptions tunes Parse. A nil *ParseOptions is valid.
type ParseOptions struct {
	// BaseDir resolves condaDependenciesFile and "environment: <file>". When empty, the conda
	// file is not read (an inline condaDependencies is used) and an environment file
	// reference is an error.
	BaseDir string
	// OnWarning is as in LoadOptions.
	OnWarning func(msg string)
}

// Load reads a runconfig like azureml-core 1.50's RunConfiguration.load(path, name):
// if path is a file it is loaded and referenced files are resolved relative to its own
// directory; otherwise path is a project directory and the file is looked up as
// <path>/<cfgdir>/<name>, <path>/<cfgdir>/<name>.runconfig, then <path>/<name>.runconfig
// (cfgdir: aml_config, then .azureml), with references resolved relative to path.
// A referenced conda or environment file must exist.
func Load(path, name string) (*RunConfiguration, error) {
	return LoadWithOptions(path, name, nil)
}

// LoadWithOptions is Load with options (warnings for ignored keys).
func LoadWithOptions(path, name string, opts *LoadOptions) (*RunConfiguration, error) {
	if opts == nil {
		opts = &LoadOptions{}
	}
	file, baseDir, err := locate(path, name)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, newError(fmt.Sprintf("Failed to load RunConfiguration from path=%s name=%s: %v", path, name, err), ErrNotFound)
	}
	d := &rcDecoder{nodeDecoder: nodeDecoder{warn: opts.OnWarning}, baseDir: baseDir, resolve: true, fileDir: filepath.Dir(file)}
	return d.decodeBytes(data, file)
}

// Parse decodes runconfig YAML or JSON bytes (any generation, see the package doc).
func Parse(data []byte, opts *ParseOptions) (*RunConfiguration, error) {
	if opts == nil {
		opts = &ParseOptions{}
	}
	d := &rcDecoder{nodeDecoder: nodeDecoder{warn: opts.OnWarning}, baseDir: opts.BaseDir, resolve: opts.BaseDir != ""}
	return d.decodeBytes(data, "runconfig")
}

// UnmarshalJSON decodes the repr/service JSON form (or any accepted runconfig document).
// Referenced files are not read: the inline condaDependencies is used.
func (rc *RunConfiguration) UnmarshalJSON(b []byte) error {
	v, err := Parse(b, nil)
	if err != nil {
		return err
	}
	*rc = *v
	return nil
}

func (d *rcDecoder) decodeBytes(data []byte, what string) (*RunConfiguration, error) {
	root, err := parseDocument(data, what)
	if err != nil {
		return nil, err
	}
	d.src = data
	rc := d.decodeRunConfig(root)
	if err := d.result(); err != nil {
		return nil, err
	}
	return rc, nil
}

// locate finds the runconfig file and the directory its references are relative to. When none
// is found, the error keeps azureml's "Failed to load RunConfiguration from path=… name=…" and
// says what was looked for.
func locate(path, name string) (file, baseDir string, err error) {
	if path == "" {
		path = "."
	}
	notFound := func(why string) error {
		return newError(fmt.Sprintf("Failed to load RunConfiguration from path=%s name=%s: %s", path, name, why), ErrNotFound)
	}
	fi, statErr := os.Stat(path)
	if statErr != nil {
		if errors.Is(statErr, fs.ErrNotExist) {
			return "", "", notFound(fmt.Sprintf("%s does not exist", path))
		}
		return "", "", notFound(statErr.Error())
	}
	if !fi.IsDir() {
		return path, filepath.Dir(path), nil
	}
	if name == "" {
		return "", "", notFound(fmt.Sprintf("%s is a directory and no runconfig name was given", path))
	}
	var candidates []string
	for _, cfg := range []string{legacyConfigDir, configDir} {
		candidates = append(candidates, filepath.Join(path, cfg, name), filepath.Join(path, cfg, name+".runconfig"))
	}
	candidates = append(candidates, filepath.Join(path, name+".runconfig"))
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c, path, nil
		}
	}
	return "", "", notFound("none of " + strings.Join(candidates, ", ") + " exists")
}
