package aciemu

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// apiError is a refusal of a request: its status, CloudError code and message.
type apiError struct {
	status        int
	code, message string
}

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// request is the part of a ContainerGroup PUT body the emulator reads. Unknown members are
// checked separately (unsupported).
type request struct {
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Zones      []string          `json:"zones"`
	Identity   json.RawMessage   `json:"identity"`
	Properties *struct {
		Containers []struct {
			Name       string          `json:"name"`
			Properties *containerProps `json:"properties"`
		} `json:"containers"`
		OSType                   string `json:"osType"`
		RestartPolicy            string `json:"restartPolicy"`
		ImageRegistryCredentials []struct {
			Server   string `json:"server"`
			Username string `json:"username"`
			Password string `json:"password"`
		} `json:"imageRegistryCredentials"`
	} `json:"properties"`
}

// containerProps are a container's properties in a PUT body.
type containerProps struct {
	Image                string   `json:"image"`
	Command              []string `json:"command"`
	EnvironmentVariables []struct {
		Name        string  `json:"name"`
		Value       *string `json:"value"`
		SecureValue *string `json:"secureValue"`
	} `json:"environmentVariables"`
	Resources *struct {
		Requests *resources `json:"requests"`
		Limits   *resources `json:"limits"`
	} `json:"resources"`
}

type resources struct {
	CPU        *float64        `json:"cpu"`
	MemoryInGB *float64        `json:"memoryInGB"`
	GPU        json.RawMessage `json:"gpu"`
}

// unsupported are the group and container properties the emulator cannot honour: a group using
// one is refused (400 NotSupportedByEmulator) rather than run without it.
var (
	unsupportedGroup     = []string{"volumes", "initContainers", "subnetIds", "dnsConfig", "diagnostics", "extensions", "encryptionProperties", "confidentialComputeProperties", "ipAddress", "priority"}
	unsupportedContainer = []string{"ports", "volumeMounts", "livenessProbe", "readinessProbe", "securityContext"}
)

// nameRE is the pattern of container group and container names.
var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// spec is a validated container group.
type spec struct {
	location      string
	osType        string
	restartPolicy string
	containers    []containerSpec
	creds         []credential
	secrets       []string
}

type containerSpec struct {
	name, image string
	command     []string
	env         []string // NAME=value, secure values included
	cpu, memGB  float64  // the engine's limits: the limits, else the requests
}

type credential struct{ server, username, password string }

// validate checks a PUT body as ACI does and returns the group it describes.
func (e *Emulator) validate(name string, body []byte) (*spec, *apiError) {
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
	}
	if req.Location == "" {
		return nil, badRequest("LocationRequired", "The location property is required for this definition.")
	}
	loc := normalizeLocation(req.Location)
	if !slices.Contains(e.opts.Regions, loc) {
		return nil, badRequest("LocationNotAvailableForResourceType",
			"The provided location '%s' is not available for resource type '%s'. List of available regions for the resource type is '%s'.",
			req.Location, cgType, strings.Join(e.opts.Regions, ","))
	}
	if req.Properties == nil {
		return nil, badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: Required property 'properties' not found in JSON.")
	}
	// ACI names a bad container name before a bad group name (seen in 2018: "The container name
	// 'C-train-on-aci…' in container group 'C-train-on-aci…' is invalid").
	for _, c := range req.Properties.Containers {
		if len(c.Name) > 63 || !nameRE.MatchString(c.Name) {
			return nil, badContainerName(name, c.Name)
		}
	}
	if len(name) > 63 || !nameRE.MatchString(name) {
		return nil, badRequest("InvalidContainerGroupName",
			"The container group name '%s' is invalid. The container group name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').", name)
	}
	if err := e.checkUnsupported(body, req.Identity, req.Zones); err != nil {
		return nil, err
	}
	p := req.Properties
	sp := &spec{location: loc, osType: p.OSType, restartPolicy: p.RestartPolicy}
	if p.OSType != "Linux" && p.OSType != "Windows" {
		os := "<null>"
		if p.OSType != "" {
			os = p.OSType
		}
		return nil, badRequest("InvalidOsType", "The 'osType' for container group '%s' is invalid. The value must be one of 'Windows,Linux'.", os)
	}
	if sp.restartPolicy == "" {
		sp.restartPolicy = "Always" // ACI's default
	}
	if !slices.Contains([]string{"Always", "OnFailure", "Never"}, sp.restartPolicy) {
		return nil, badRequest("InvalidRestartPolicy", "The restart policy '%s' of container group '%s' is invalid. The value must be one of 'Always,OnFailure,Never'.", sp.restartPolicy, name)
	}
	if len(p.Containers) == 0 {
		return nil, badRequest("NoContainersInContainerGroup", "The container group '%s' has no containers. At least one container is required.", name)
	}
	var totalCPU, totalMem float64
	seen := map[string]bool{}
	for _, c := range p.Containers {
		cs, err := validateContainer(name, c.Name, c.Properties)
		if err != nil {
			return nil, err
		}
		if seen[c.Name] {
			return nil, badRequest("DuplicateContainerName", "The container name '%s' is used more than once in container group '%s'.", c.Name, name)
		}
		seen[c.Name] = true
		for _, v := range c.Properties.EnvironmentVariables {
			if v.SecureValue != nil {
				sp.secrets = append(sp.secrets, *v.SecureValue)
			}
		}
		req := c.Properties.Resources.Requests
		totalCPU += *req.CPU
		totalMem += *req.MemoryInGB
		sp.containers = append(sp.containers, cs)
	}
	for _, c := range sp.containers {
		if c.cpu > totalCPU+1e-9 {
			return nil, badRequest("ContainerLimitGreaterThanContainerGroupTotalRequest",
				"The 'Cpu' limit '%s' in container '%s' is greater than the total request '%s' of container group '%s'.", num(c.cpu), c.name, num(totalCPU), name)
		}
		if c.memGB > totalMem+1e-9 {
			return nil, badRequest("ContainerLimitGreaterThanContainerGroupTotalRequest",
				"The 'MemoryInGB' limit '%s' in container '%s' is greater than the total request '%s' of container group '%s'.", num(c.memGB), c.name, num(totalMem), name)
		}
	}
	if totalCPU > e.opts.MaxCPU+1e-9 || totalMem > e.opts.MaxMemoryGB+1e-9 {
		return nil, &apiError{status: http.StatusConflict, code: "ServiceUnavailable", message: fmt.Sprintf(
			"The requested resource is not available in the location '%s' at this moment. Please retry with a different resource request or in another location. Resource requested: '%s' CPU '%s' GB memory '%s' OS",
			loc, num(totalCPU), num(totalMem), p.OSType)}
	}
	for _, cr := range p.ImageRegistryCredentials {
		if cr.Server == "" {
			return nil, badRequest("InvalidImageRegistryCredential", "The image registry credential of container group '%s' has no server.", name)
		}
		sp.creds = append(sp.creds, credential{server: cr.Server, username: cr.Username, password: cr.Password})
		if cr.Password != "" {
			sp.secrets = append(sp.secrets, cr.Password)
		}
	}
	if p.OSType == "Windows" {
		return nil, badRequest("NotSupportedByEmulator", "The emulator runs Linux container groups only (container group '%s' has osType 'Windows').", name)
	}
	if sp.restartPolicy != "Never" {
		return nil, badRequest("NotSupportedByEmulator", "The emulator runs container groups with restartPolicy 'Never' only (container group '%s' has '%s').", name, sp.restartPolicy)
	}
	return sp, nil
}

// validateContainer checks one container's name, image, environment and resources.
func validateContainer(group, name string, p *containerProps) (containerSpec, *apiError) {
	if len(name) > 63 || !nameRE.MatchString(name) {
		return containerSpec{}, badContainerName(group, name)
	}
	if p == nil || strings.TrimSpace(p.Image) == "" {
		return containerSpec{}, badRequest("InvalidContainerImage", "The image of container '%s' in container group '%s' is not specified.", name, group)
	}
	if p.Resources == nil || p.Resources.Requests == nil || (p.Resources.Requests.CPU == nil && p.Resources.Requests.MemoryInGB == nil) {
		return containerSpec{}, badRequest("ResourceRequestsNotSpecified",
			"The resource requests are not specified in container '%s' of contain group '%s'. Both memory and CPU requests are required since API version '2017-07-01-preview'.", name, group)
	}
	rq, lim := p.Resources.Requests, p.Resources.Limits
	for _, m := range []struct {
		v     *float64
		label string
	}{{rq.CPU, "Cpu"}, {rq.MemoryInGB, "MemoryInGB"}} {
		if m.v == nil {
			return containerSpec{}, badRequest("ResourceSomeRequestsNotSpecified",
				"The '%s' request is not specified in container '%s' of contain group '%s'. It is required since API version '2017-07-01-preview'.", m.label, name, group)
		}
		if *m.v <= 0 || math.IsNaN(*m.v) {
			return containerSpec{}, badRequest("InvalidResourceRequest", "The '%s' request '%s' in container '%s' of container group '%s' must be greater than 0.", m.label, num(*m.v), name, group)
		}
	}
	if len(rq.GPU) > 0 && string(rq.GPU) != "null" || lim != nil && len(lim.GPU) > 0 && string(lim.GPU) != "null" {
		return containerSpec{}, badRequest("NotSupportedByEmulator", "The emulator has no GPUs (container '%s' of container group '%s' requests one).", name, group)
	}
	cs := containerSpec{name: name, image: strings.TrimSpace(p.Image), command: p.Command, cpu: *rq.CPU, memGB: *rq.MemoryInGB}
	if lim != nil {
		for _, m := range []struct {
			lim, req *float64
			label    string
			out      *float64
		}{{lim.CPU, rq.CPU, "Cpu", &cs.cpu}, {lim.MemoryInGB, rq.MemoryInGB, "MemoryInGB", &cs.memGB}} {
			if m.lim == nil {
				continue
			}
			if *m.lim < *m.req {
				b, _ := json.Marshal(p.Resources)
				return containerSpec{}, badRequest("ResourceLimitsLessThanRequests",
					"The resource requirement '%s' in container '%s' of contain group '%s' is invalid. The '%s' limit value must be greater than or equal to the request value.", b, name, group, m.label)
			}
			*m.out = *m.lim
		}
	}
	for _, v := range p.EnvironmentVariables {
		if v.Name == "" {
			return containerSpec{}, badRequest("InvalidEnvironmentVariable", "An environment variable of container '%s' in container group '%s' has no name.", name, group)
		}
		switch {
		case v.SecureValue != nil:
			cs.env = append(cs.env, v.Name+"="+*v.SecureValue)
		case v.Value != nil:
			cs.env = append(cs.env, v.Name+"="+*v.Value)
		default:
			cs.env = append(cs.env, v.Name+"=")
		}
	}
	return cs, nil
}

func badContainerName(group, name string) *apiError {
	return badRequest("InvalidContainerName",
		"The container name '%s' in container group '%s' is invalid. The container name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').", name, group)
}

// checkUnsupported refuses the properties the emulator cannot honour.
func (e *Emulator) checkUnsupported(body []byte, identity json.RawMessage, zones []string) *apiError {
	if len(identity) > 0 && string(identity) != "null" {
		return badRequest("NotSupportedByEmulator", "The emulator does not run container groups with a managed identity.")
	}
	if len(zones) > 0 {
		return badRequest("NotSupportedByEmulator", "The emulator does not place container groups in availability zones.")
	}
	var whole struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var containers struct {
		Properties struct {
			Containers []struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"containers"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(body, &whole)
	_ = json.Unmarshal(body, &containers)
	props := whole.Properties
	for _, k := range unsupportedGroup {
		if v, ok := props[k]; ok && !empty(v) {
			return badRequest("NotSupportedByEmulator", "The emulator does not run container groups with properties.%s.", k)
		}
	}
	if v, ok := props["sku"]; ok && !empty(v) && string(v) != `"Standard"` {
		return badRequest("NotSupportedByEmulator", "The emulator runs container groups of sku Standard only (got %s).", v)
	}
	for _, c := range containers.Properties.Containers {
		for _, k := range unsupportedContainer {
			if v, ok := c.Properties[k]; ok && !empty(v) {
				return badRequest("NotSupportedByEmulator", "The emulator does not run containers with properties.%s.", k)
			}
		}
	}
	return nil
}

func empty(v json.RawMessage) bool {
	s := strings.TrimSpace(string(v))
	return s == "null" || s == "[]" || s == "{}" || s == `""`
}

// normalizeLocation is a location as Resource Manager compares them: "East US" = "eastus".
func normalizeLocation(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

// num formats a resource amount as ACI prints it ("1", "1.5").
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
