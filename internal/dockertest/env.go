package dockertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/amlgo/amlgo/internal/testenv"
)

// EnvVar names the environment variable holding the path of the env.json that setup.sh writes.
const EnvVar = "AMLGO_DOCKER_ENV"

// Env is the shared Docker test environment that setup.sh made. Its fields are read-only. Env
// never prints RegistryPassword: every fmt verb (%v, %+v, %#v, %s, ...) shows it as "***".
type Env struct {
	// Host is the engine's address for DOCKER_HOST or a client library: "unix://DIR/docker.sock".
	Host string
	// Socket is the path of the engine's unix socket (group docker, mode 0660).
	Socket string
	// PythonImage ("amlgo-test/python3:1") has Debian's python3, bash, coreutils and the fake
	// micromamba.
	PythonImage string
	// SklearnImage ("amlgo-test/python3-sklearn:1") is PythonImage plus python3-sklearn.
	SklearnImage string
	// Registry is the host:port of the registry ("127.0.0.1:PORT", plain http, basic auth).
	Registry string
	// RegistryUser and RegistryPassword are the registry's only credentials.
	RegistryUser     string
	RegistryPassword string
	// RegistryImage ("127.0.0.1:PORT/amlgo/python3-sklearn:1") is SklearnImage pushed to
	// Registry. setup.sh removes that tag from the engine again, so using it needs a pull.
	RegistryImage string
}

// envFile is the JSON form of env.json.
type envFile struct {
	Host             string `json:"host"`
	Socket           string `json:"socket"`
	PythonImage      string `json:"pythonImage"`
	SklearnImage     string `json:"sklearnImage"`
	Registry         string `json:"registry"`
	RegistryUser     string `json:"registryUser"`
	RegistryPassword string `json:"registryPassword"`
	RegistryImage    string `json:"registryImage"`
}

// String describes e with the password masked.
func (e Env) String() string {
	pw := ""
	if e.RegistryPassword != "" {
		pw = "***"
	}
	return fmt.Sprintf("dockertest.Env{Host:%q, Socket:%q, PythonImage:%q, SklearnImage:%q, Registry:%q, RegistryUser:%q, RegistryPassword:%q, RegistryImage:%q}",
		e.Host, e.Socket, e.PythonImage, e.SklearnImage, e.Registry, e.RegistryUser, pw, e.RegistryImage)
}

// Format implements fmt.Formatter so that no verb, not even %#v or %d, prints the password: all
// of them print String.
func (e Env) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.String()) }

// RegistryAuth returns the value of the Engine API's X-Registry-Auth header for Registry: the
// base64url-encoded JSON {"username", "password", "serveraddress"}.
func (e *Env) RegistryAuth() string {
	return RegistryAuth(e.RegistryUser, e.RegistryPassword, e.Registry)
}

// RegistryAuth returns the X-Registry-Auth header value for the given credentials.
func RegistryAuth(user, password, server string) string {
	b, _ := json.Marshal(map[string]string{"username": user, "password": password, "serveraddress": server})
	return base64.URLEncoding.EncodeToString(b)
}

// load reads and checks env.json at path.
func load(path string) (*Env, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f envFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	e := Env(f)
	var missing []string
	for name, v := range map[string]string{"host": e.Host, "socket": e.Socket, "pythonImage": e.PythonImage,
		"sklearnImage": e.SklearnImage, "registry": e.Registry, "registryUser": e.RegistryUser,
		"registryPassword": e.RegistryPassword, "registryImage": e.RegistryImage} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing %s", path, strings.Join(missing, ", "))
	}
	return &e, nil
}

// Require returns the shared environment named by AMLGO_DOCKER_ENV, after checking that its
// engine answers GET /_ping. When the variable is unset, the file unreadable or the engine not
// answering, it skips t, or fails it when AMLGO_REQUIRE_INTEGRATION=1 (testenv.SkipOrFail).
func Require(t testing.TB) *Env {
	t.Helper()
	path := os.Getenv(EnvVar)
	if path == "" {
		testenv.SkipOrFail(t, "dockertest: "+EnvVar+" is not set; as root run internal/dockertest/setup.sh DIR CACHE and export what it prints")
		return nil
	}
	e, err := load(path)
	if err != nil {
		testenv.SkipOrFail(t, fmt.Sprintf("dockertest: %s=%s unusable: %v", EnvVar, path, err))
		return nil
	}
	if err := pingFor(e.Socket, 10*time.Second); err != nil {
		testenv.SkipOrFail(t, fmt.Sprintf("dockertest: the engine of %s does not answer on %s: %v", path, e.Socket, err))
		return nil
	}
	return e
}
