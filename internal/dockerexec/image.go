package dockerexec

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/api/types/registry"
)

// imageRecipe versions the generated Dockerfile: a change to it gives every image a new name.
const imageRecipe = "amlgo-docker-image-1"

// Registry is where the base image is pulled from, with its credentials. Password never
// appears in a message, an error or a log.
type Registry struct {
	// Address is the registry's host[:port] ("" = the image reference's own registry).
	Address string
	// Username and Password log in to the registry ("" = anonymous).
	Username string
	Password string
}

// String names the registry and user, never the password.
func (r Registry) String() string {
	s := r.Address
	if s == "" {
		s = "the image's registry"
	}
	if r.Username != "" {
		s += " as " + r.Username
	}
	return s
}

// ImageSpec is what a run's image is made of.
type ImageSpec struct {
	// BaseImage is environment.docker.baseImage (used when BaseDockerfile is empty).
	BaseImage string
	// BaseDockerfile is environment.docker.baseDockerfile: Dockerfile text the conda layer is
	// appended to.
	BaseDockerfile string
	// Registry holds the base image's registry and credentials.
	Registry Registry
	// CondaEnvName is the conda environment's name (azureml_<hash>); "" for a user-managed
	// environment, which uses the image's interpreter as is.
	CondaEnvName string
	// CondaYAML is the conda specification the environment is created from.
	CondaYAML []byte
}

// BaseRef is the base image's full reference: the registry address is prefixed unless the
// image already names it.
func (s ImageSpec) BaseRef() string {
	img := strings.TrimSpace(s.BaseImage)
	addr := strings.TrimSuffix(strings.TrimSpace(s.Registry.Address), "/")
	if addr == "" || strings.HasPrefix(img, addr+"/") {
		return img
	}
	return addr + "/" + img
}

// NeedsBuild reports whether the run's image is built (a conda layer or a Dockerfile) rather
// than the base image used as is.
func (s ImageSpec) NeedsBuild() bool { return s.CondaEnvName != "" || s.BaseDockerfile != "" }

// Name is the run's image: the base image itself when nothing is built, else
// azureml/azureml_<32 hex of the content hash>, as azureml names environment images.
func (s ImageSpec) Name() string {
	if !s.NeedsBuild() {
		return s.BaseRef()
	}
	h := sha256.New()
	for _, part := range []string{imageRecipe, s.BaseRef(), s.BaseDockerfile, s.CondaEnvName, string(s.CondaYAML)} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return "azureml/azureml_" + hex.EncodeToString(h.Sum(nil))[:32]
}

// envPrefix is where the conda environment lives in the image.
func (s ImageSpec) envPrefix() string { return "/azureml-envs/" + s.CondaEnvName }

// Python is the interpreter of the image's conda environment ("" for a user-managed one).
func (s ImageSpec) Python() string {
	if s.CondaEnvName == "" {
		return ""
	}
	return s.envPrefix() + "/bin/python"
}

// Dockerfile is the generated Dockerfile: the base (FROM or the user's Dockerfile) and, for a
// system-managed environment, the conda layer.
func (s ImageSpec) Dockerfile() string {
	var b strings.Builder
	if s.BaseDockerfile != "" {
		b.WriteString(strings.TrimRight(s.BaseDockerfile, "\n"))
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "FROM %s\n", s.BaseRef())
	}
	if s.CondaEnvName != "" {
		p := s.envPrefix()
		b.WriteString("USER root\n")
		b.WriteString("COPY azureml-environment-setup/ /azureml-environment-setup/\n")
		fmt.Fprintf(&b, "RUN sh /azureml-environment-setup/build_env.sh %s /azureml-environment-setup/mutated_conda_dependencies.yml\n", p)
		fmt.Fprintf(&b, "# AzureML Conda environment name: %s\n", s.CondaEnvName)
		fmt.Fprintf(&b, "ENV PATH=%s/bin:${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}\n", p)
		fmt.Fprintf(&b, "ENV AZUREML_CONDA_ENVIRONMENT_PATH=%s\n", p)
	}
	b.WriteString("ENV AZUREML_ENVIRONMENT_IMAGE=True\n")
	return b.String()
}

// buildEnvScript creates the conda environment inside the image with whichever tool the base
// image has: micromamba, mamba or conda.
const buildEnvScript = `#!/bin/sh
# usage: build_env.sh PREFIX SPEC
set -e
prefix=$1 spec=$2
if command -v micromamba >/dev/null 2>&1; then
  micromamba create -y -p "$prefix" -f "$spec"
elif command -v mamba >/dev/null 2>&1; then
  mamba env create -p "$prefix" -f "$spec"
elif command -v conda >/dev/null 2>&1; then
  conda env create -p "$prefix" -f "$spec"
else
  echo "amlgo: the base image has no micromamba, mamba or conda to create the run's conda environment; use a base image with conda, or set environment.python.userManagedDependencies to true and interpreterPath to the image's python" >&2
  exit 1
fi
test -x "$prefix/bin/python" || { echo "amlgo: the conda environment $prefix has no bin/python; add python to the conda dependencies" >&2; exit 1; }
`

// buildContext is the tar the engine builds from.
func (s ImageSpec) buildContext() (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		data []byte
		mode int64
	}{{"Dockerfile", []byte(s.Dockerfile()), 0o644}}
	if s.CondaEnvName != "" {
		files = append(files,
			struct {
				name string
				data []byte
				mode int64
			}{"azureml-environment-setup/build_env.sh", []byte(buildEnvScript), 0o755},
			struct {
				name string
				data []byte
				mode int64
			}{"azureml-environment-setup/mutated_conda_dependencies.yml", s.CondaYAML, 0o644})
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// authConfig is the registry credentials as the engine takes them.
func (r Registry) authConfig() registry.AuthConfig {
	return registry.AuthConfig{Username: r.Username, Password: r.Password, ServerAddress: r.Address}
}

// encodedAuth is the X-Registry-Auth header value ("" when anonymous).
func (r Registry) encodedAuth() string {
	if r.Username == "" && r.Password == "" {
		return ""
	}
	b, _ := json.Marshal(r.authConfig())
	return base64.URLEncoding.EncodeToString(b)
}

// Image is the outcome of EnsureImage.
type Image struct {
	// Name is the image's name on the engine.
	Name string
	// Built says EnsureImage built it; Pulled says it pulled the base image.
	Built, Pulled bool
}

// EnsureOptions tune EnsureImage. The zero value is usable.
type EnsureOptions struct {
	// Lock serializes the making of one image on one engine (key is the image's name), across
	// processes; nil means no lock beyond this process.
	Lock func(ctx context.Context, key string) (unlock func(), err error)
	// Log receives the pull and build output (the run's control log); nil discards it.
	Log io.Writer
	// NetworkMode is the build's network ("" = the engine's default).
	NetworkMode string
}

// HasImage reports whether the engine has the image.
func (e *Engine) HasImage(ctx context.Context, name string) (bool, error) {
	_, err := e.cli.ImageInspect(ctx, name)
	switch {
	case err == nil:
		return true, nil
	case isNotFound(err):
		return false, nil
	}
	return false, e.engineError(err)
}
