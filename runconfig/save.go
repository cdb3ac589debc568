package runconfig

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SaveOptions tunes Save. A nil *SaveOptions is valid.
type SaveOptions struct {
	// SeparateEnvironmentYAML writes the environment section to <cfgdir>/environment.yml
	// (environment.yml next to the file in the file-path form) and references it as
	// "environment: <cfgdir>/environment.yml".
	SeparateEnvironmentYAML bool
}

// Condafile and environment file names used by Save.
const (
	condaFileName       = "conda_dependencies.yml"
	environmentFileName = "environment.yml"
)

// Save writes rc like azureml-core 1.50's run_config.save(path, name, separate_environment_yaml):
//
//   - path is an existing directory (the project): the file is <path>/<cfgdir>/<name>, with
//     name used verbatim (no extension added; pass "x.runconfig"). cfgdir is aml_config if it
//     exists, else .azureml, and it must already exist. The conda specification is written
//     to <cfgdir>/conda_dependencies.yml (shared by every runconfig of the project) and
//     referenced as condaDependenciesFile: <cfgdir>/conda_dependencies.yml.
//   - otherwise path is the runconfig file itself (its directory must exist; name is
//     ignored); conda_dependencies.yml is written next to it and referenced by that name.
//
// When rc already names a condaDependenciesFile (as a loaded runconfig does), that reference
// is kept and the conda specification is written to it instead, relative to the project
// directory (in the file form, to the file's directory); its directory must exist.
//
// The saved YAML has no inline condaDependencies. rc itself is not modified. The registry
// password is written in clear, as azureml does.
func (rc *RunConfiguration) Save(path, name string, opts *SaveOptions) error {
	if opts == nil {
		opts = &SaveOptions{}
	}
	if path == "" {
		path = "."
	}
	var file, dir, refPrefix string
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		if name == "" {
			return newError("Cannot save a runconfig without a name specified", ErrNoName)
		}
		if name != filepath.Base(name) || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			return newError(fmt.Sprintf("%s argument is invalid", name), ErrInvalidPath)
		}
		cfg := legacyConfigDir
		if fi, err := os.Stat(filepath.Join(path, cfg)); err != nil || !fi.IsDir() {
			cfg = configDir
		}
		dir = filepath.Join(path, cfg)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return newError(fmt.Sprintf("config directory %s does not exist (create %s or %s in the project directory first)", dir, configDir, legacyConfigDir), ErrConfigDirMissing)
		}
		file = filepath.Join(dir, name)
		refPrefix = cfg + "/"
	} else {
		parent := filepath.Dir(path)
		if fi, err := os.Stat(parent); err != nil || !fi.IsDir() || strings.HasSuffix(path, string(filepath.Separator)) {
			return newError(fmt.Sprintf("%s argument is invalid", path), ErrInvalidPath)
		}
		file, dir = path, parent
	}

	f := treeForm{}
	// As 1.50: a condaDependenciesFile the configuration already names (e.g. loaded from a
	// file) is kept, and the conda file is written there, relative to the project directory
	// (file form: the file's directory); only when there is none is it
	// <cfgdir>/conda_dependencies.yml (file form: conda_dependencies.yml).
	condaRef := rc.Environment.Python.CondaDependenciesFile
	if condaRef == "" {
		condaRef = refPrefix + condaFileName
	}
	condaBase := path
	if refPrefix == "" {
		condaBase = dir
	}
	condaPath := filepath.FromSlash(strings.ReplaceAll(condaRef, `\`, "/"))
	if !filepath.IsAbs(condaPath) {
		condaPath = filepath.Join(condaBase, condaPath)
	}
	var condaData []byte
	if cd := rc.Environment.Python.CondaDependencies; cd != nil {
		// As 1.50's save_to_file: a specification without python is not written.
		if err := cd.Validate(); err != nil {
			return newError(fmt.Sprintf("conda dependencies: %s", strings.TrimPrefix(err.Error(), "conda: ")), err)
		}
		condaData = cd.Serialize()
		f.condaFile = &condaRef
	}
	var envData []byte
	if opts.SeparateEnvironmentYAML {
		env, err := rc.Environment.tree(f)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := writeYAML(&b, env, 0); err != nil {
			return err
		}
		envData = b.Bytes()
		f.envRef = refPrefix + environmentFileName
	}
	t, err := rc.tree(f)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := writeYAML(&b, t, 0); err != nil {
		return err
	}

	if condaData != nil {
		if err := writeFileAtomic(condaPath, condaData); err != nil {
			return err
		}
	}
	if envData != nil {
		if err := writeFileAtomic(filepath.Join(dir, environmentFileName), envData); err != nil {
			return err
		}
	}
	return writeFileAtomic(file, b.Bytes())
}

// YAML returns the document Save would write for rc, with the environment inline and
// condaDependenciesFile as it is in memory (no conda file is implied).
func (rc *RunConfiguration) YAML() ([]byte, error) {
	t, err := rc.tree(treeForm{})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeYAML(&b, t, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// JSON returns azureml's repr(run_config): json.dumps(indent=4) of the camelCase dictionary,
// conda specification inline, no trailing newline. The registry password is included.
func (rc *RunConfiguration) JSON() ([]byte, error) {
	t, err := rc.tree(treeForm{inlineConda: true})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writePyJSON(&b, t, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// MarshalJSON returns the same bytes as JSON.
func (rc RunConfiguration) MarshalJSON() ([]byte, error) { return rc.JSON() }

// writeFileAtomic writes data to path through a temporary file in the same directory.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("runconfig: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("runconfig: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("runconfig: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("runconfig: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("runconfig: %w", err)
	}
	return nil
}
