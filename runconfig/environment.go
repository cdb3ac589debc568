package runconfig

import (
	"bytes"

	"github.com/amlgo/amlgo/conda"
)

// Environment mirrors azureml.core.Environment as it appears inside a RunConfiguration.
// Nullable strings use "" for null.
type Environment struct {
	// Name of the environment ("" = null).
	Name string
	// Version of the environment ("" = null).
	Version string
	// EnvironmentVariables are set for the run. Keys are user keys, never case-normalized.
	EnvironmentVariables map[string]string
	// Python describes the Python environment.
	Python PythonSection
	// Docker describes the Docker image.
	Docker DockerSection
	// Spark describes Spark packages.
	Spark SparkSection
	// Databricks describes Databricks libraries.
	Databricks DatabricksSection
	// R describes the R environment; nil = null.
	R *RSection
	// InferencingStackVersion ("" = null).
	InferencingStackVersion string
	// AssetID ("" = null).
	AssetID string

	// keyOrder is as in RunConfiguration.
	keyOrder map[string][]string
}

// PythonSection mirrors azureml PythonSection.
type PythonSection struct {
	// UserManagedDependencies: true runs InterpreterPath as-is; false lets amlgo build a
	// conda environment from CondaDependencies.
	UserManagedDependencies bool
	// InterpreterPath is the Python interpreter ("python").
	InterpreterPath string
	// CondaDependenciesFile is the conda file path as written in the runconfig ("" = null).
	// It is relative to the project directory, or to the runconfig's own directory when the
	// runconfig was loaded by file path.
	CondaDependenciesFile string
	// BaseCondaEnvironment ("" = null).
	BaseCondaEnvironment string
	// CondaDependencies is the conda specification; nil when the file has neither a conda
	// file nor an inline specification (the key is then absent from the JSON).
	CondaDependencies *conda.Dependencies
}

// DockerSection mirrors azureml DockerSection (environment.docker).
type DockerSection struct {
	// Enabled runs inside Docker (deprecated in 1.50 for DockerConfiguration.UseDocker).
	Enabled bool
	// BaseImage is the base image; mutually exclusive with BaseDockerfile ("" = null).
	BaseImage string
	// BaseDockerfile is Dockerfile content ("" = null).
	BaseDockerfile string
	// BuildContext ("" = null).
	BuildContext string
	// SharedVolumes mounts the project as a shared volume.
	SharedVolumes bool
	// ShmSize is the shared memory size ("" = null).
	ShmSize string
	// Arguments are extra "docker run" arguments.
	Arguments []string
	// BaseImageRegistry holds registry credentials.
	BaseImageRegistry ContainerRegistry
	// Platform is the image platform.
	Platform DockerImagePlatform
	// GPUSupport is the 1.0.x gpuSupport flag (Workbench: nvidiaDocker). Read, never written;
	// nil when absent.
	GPUSupport *bool
}

// ContainerRegistry mirrors azureml ContainerRegistry.
type ContainerRegistry struct {
	// Address of the registry ("" = null).
	Address string
	// Username ("" = null).
	Username string
	// Password is masked by fmt; written by Save and MarshalJSON ("" = null).
	Password Secret
	// RegistryIdentity is a managed identity; nil = null.
	RegistryIdentity *RegistryIdentity
}

// RegistryIdentity mirrors azureml RegistryIdentity.
type RegistryIdentity struct {
	// ResourceID of the identity ("" = null).
	ResourceID string
	// ClientID of the identity ("" = null).
	ClientID string
}

// DockerImagePlatform mirrors azureml DockerImagePlatform.
type DockerImagePlatform struct {
	// OS ("Linux").
	OS string
	// Architecture ("amd64").
	Architecture string
}

// SparkSection mirrors azureml SparkSection (environment.spark).
type SparkSection struct {
	// Repositories are Maven repositories.
	Repositories []string
	// Packages are Maven packages.
	Packages []SparkMavenPackage
	// PrecachePackages precaches the packages.
	PrecachePackages bool
}

// SparkMavenPackage is one Maven package.
type SparkMavenPackage struct {
	// Group id.
	Group string
	// Artifact id.
	Artifact string
	// Version.
	Version string
}

// DatabricksSection mirrors azureml DatabricksSection.
type DatabricksSection struct {
	// MavenLibraries to install.
	MavenLibraries []MavenLibrary
	// PypiLibraries to install.
	PypiLibraries []PyPiLibrary
	// RCranLibraries to install.
	RCranLibraries []RCranLibrary
	// JarLibraries to install.
	JarLibraries []JarLibrary
	// EggLibraries to install.
	EggLibraries []EggLibrary
}

// MavenLibrary is a Databricks Maven library.
type MavenLibrary struct {
	// Coordinates ("group:artifact:version").
	Coordinates string
	// Repo URL ("" = null).
	Repo string
	// Exclusions.
	Exclusions []string
}

// PyPiLibrary is a Databricks PyPI library.
type PyPiLibrary struct {
	// Package spec.
	Package string
	// Repo URL ("" = null).
	Repo string
}

// RCranLibrary is a Databricks CRAN library.
type RCranLibrary struct {
	// Package name.
	Package string
	// Repo URL ("" = null).
	Repo string
}

// JarLibrary is a Databricks JAR library.
type JarLibrary struct {
	// Library path.
	Library string
}

// EggLibrary is a Databricks egg library.
type EggLibrary struct {
	// Library path.
	Library string
}

// RSection mirrors azureml RSection.
type RSection struct {
	// RVersion ("" = null).
	RVersion string
	// UserManaged uses an existing R installation.
	UserManaged bool
	// RscriptPath ("" = null).
	RscriptPath string
	// SnapshotDate of the CRAN snapshot ("" = null).
	SnapshotDate string
	// CRANPackages to install.
	CRANPackages []RCranPackage
	// GitHubPackages to install.
	GitHubPackages []RGitHubPackage
	// CustomURLPackages to install.
	CustomURLPackages []string
	// BioConductorPackages to install.
	BioConductorPackages []string
}

// RCranPackage is a CRAN package.
type RCranPackage struct {
	// Name of the package.
	Name string
	// Version ("" = null).
	Version string
	// Repository ("" = null).
	Repository string
}

// RGitHubPackage is an R package from GitHub.
type RGitHubPackage struct {
	// Repository ("owner/repo").
	Repository string
	// AuthToken is masked by fmt ("" = null).
	AuthToken Secret
}

// NewEnvironment returns an Environment with 1.50's defaults (Environment(name) in Python):
// default conda specification, docker image DefaultCPUImage, shm 2g.
func NewEnvironment(name string) *Environment {
	return &Environment{
		Name:                 name,
		EnvironmentVariables: map[string]string{"EXAMPLE_ENV_VAR": "EXAMPLE_VALUE"},
		Python: PythonSection{
			InterpreterPath:   "python",
			CondaDependencies: conda.New(),
		},
		Docker:     defaultDockerSection("2g"),
		Spark:      defaultSparkSection(),
		Databricks: defaultDatabricksSection(),
	}
}

func defaultDockerSection(shm string) DockerSection {
	return DockerSection{
		BaseImage:     DefaultCPUImage,
		SharedVolumes: true,
		ShmSize:       shm,
		Arguments:     []string{},
		Platform:      DockerImagePlatform{OS: "Linux", Architecture: "amd64"},
	}
}

func defaultPythonSection() PythonSection {
	return PythonSection{InterpreterPath: "python"}
}

func defaultSparkSection() SparkSection {
	return SparkSection{Repositories: []string{}, Packages: []SparkMavenPackage{}, PrecachePackages: true}
}

func defaultDatabricksSection() DatabricksSection {
	return DatabricksSection{
		MavenLibraries: []MavenLibrary{},
		PypiLibraries:  []PyPiLibrary{},
		RCranLibraries: []RCranLibrary{},
		JarLibraries:   []JarLibrary{},
		EggLibraries:   []EggLibrary{},
	}
}

// redact masks the secrets of e in place.
func (e *Environment) redact() {
	if e.Docker.BaseImageRegistry.Password != "" {
		e.Docker.BaseImageRegistry.Password = redactedMark
	}
	if e.R != nil {
		for i := range e.R.GitHubPackages {
			if e.R.GitHubPackages[i].AuthToken != "" {
				e.R.GitHubPackages[i].AuthToken = redactedMark
			}
		}
	}
}

// JSON returns the environment section as it appears in the repr JSON (json.dumps indent=4,
// conda specification inline). The registry password is included.
func (e *Environment) JSON() ([]byte, error) {
	t, err := e.tree(treeForm{inlineConda: true})
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
func (e Environment) MarshalJSON() ([]byte, error) { return e.JSON() }

// UnmarshalJSON decodes an environment section (JSON or YAML). Referenced files are not
// read: an inline condaDependencies is used.
func (e *Environment) UnmarshalJSON(b []byte) error {
	root, err := parseDocument(b, "environment")
	if err != nil {
		return err
	}
	d := &rcDecoder{}
	env := d.environment(root, "environment")
	if err := d.result(); err != nil {
		return err
	}
	*e = env
	return nil
}

// String returns the environment JSON with secrets masked.
func (e Environment) String() string {
	c := e.Clone()
	c.redact()
	b, err := c.JSON()
	if err != nil {
		return "runconfig: " + err.Error()
	}
	return string(b)
}
