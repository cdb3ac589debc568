package aciemu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
)

// Catalog returns the registry's repositories and their tags, read from its HTTP API
// (/v2/_catalog and /v2/<repository>/tags/list with the admin credentials) directly, not
// through the login server, so that reading it is not counted as a request.
func (e *Emulator) Catalog(ctx context.Context) (map[string][]string, error) {
	if e.reg == nil {
		return nil, fmt.Errorf("aciemu: Catalog needs Options.Registry")
	}
	var cat struct {
		Repositories []string `json:"repositories"`
	}
	if err := e.registryGet(ctx, "/v2/_catalog?n=1000", &cat); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, repo := range cat.Repositories {
		var tl struct {
			Tags []string `json:"tags"`
		}
		if err := e.registryGet(ctx, "/v2/"+repo+"/tags/list", &tl); err != nil {
			return nil, err
		}
		sort.Strings(tl.Tags)
		out[repo] = tl.Tags
	}
	return out, nil
}

func (e *Emulator) registryGet(ctx context.Context, path string, v any) error {
	r := e.reg.reg
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Address+path, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(r.Username, r.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("aciemu: registry %s: %w", r.Address, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("aciemu: registry %s: GET %s: %s: %s", r.Address, (&url.URL{Path: path}).Path, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}

// DockerEnv is the part of internal/dockertest's env.json (setup.sh) the emulator uses: the
// engine and the registry.
type DockerEnv struct {
	// Host is the engine's address (DOCKER_HOST form).
	Host string
	// Registry is the htpasswd-protected registry.
	Registry Registry
	// RegistryImage is an image in the registry (Python 3 with scikit-learn).
	RegistryImage string
}

// DockerEnvVar names the environment variable holding the path of internal/dockertest's
// env.json.
const DockerEnvVar = "AMLGO_DOCKER_ENV"

// ReadDockerEnv reads internal/dockertest's env.json at path (AMLGO_DOCKER_ENV).
func ReadDockerEnv(path string) (*DockerEnv, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("aciemu: the Docker test environment: %w", err)
	}
	var f struct {
		Host             string `json:"host"`
		Registry         string `json:"registry"`
		RegistryUser     string `json:"registryUser"`
		RegistryPassword string `json:"registryPassword"`
		RegistryImage    string `json:"registryImage"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("aciemu: %s: %w", path, err)
	}
	if f.Host == "" || f.Registry == "" || f.RegistryUser == "" || f.RegistryPassword == "" {
		return nil, fmt.Errorf("aciemu: %s lacks host, registry, registryUser or registryPassword", path)
	}
	return &DockerEnv{Host: f.Host, Registry: Registry{Address: f.Registry, Username: f.RegistryUser, Password: f.RegistryPassword}, RegistryImage: f.RegistryImage}, nil
}
