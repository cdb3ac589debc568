// Package containergroup runs a job as an Azure Container Instances container group: the
// group's definition, its instance view read as a run's state, and the blob storage the job
// reads its snapshot from and writes its logs, metric records, state and outputs to (the
// bootstrap that runs in the container is internal/driver's ContainerBootstrap).
package containergroup

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerinstance/armcontainerinstance/v2"
)

// ContainerName is the name of the one container of a run's group.
const ContainerName = "amlgo-run"

// TagRunID is the group tag that names the run it runs.
const TagRunID = "amlgo-run-id"

// Spec is a run's container group.
type Spec struct {
	// Name is the group's name (GroupName of the run id).
	Name string
	// Location is the Azure region.
	Location string
	// Image is the container's image reference.
	Image string
	// Command is the container's command (exec form).
	Command []string
	// Env are plain environment variables; SecureEnv are sent as secureValue (never returned
	// by the service).
	Env, SecureEnv map[string]string
	// CPU is the number of cores, MemoryGB the memory in GB.
	CPU, MemoryGB float64
	// Registry authenticates the image pull (nil = an anonymous pull).
	Registry *RegistryCredential
	// Tags are the group's resource tags.
	Tags map[string]string
}

// RegistryCredential is one imageRegistryCredentials entry. Its String hides the password.
type RegistryCredential struct {
	Server, Username, Password string
}

// String describes c without its password.
func (c RegistryCredential) String() string {
	return fmt.Sprintf("RegistryCredential{Server:%q, Username:%q, Password:***}", c.Server, c.Username)
}

// GoString is String.
func (c RegistryCredential) GoString() string { return c.String() }

// Resource is the group as the Container Instances API takes it: Linux, restartPolicy Never,
// one container.
func (s Spec) Resource() armcontainerinstance.ContainerGroup {
	env := make([]*armcontainerinstance.EnvironmentVariable, 0, len(s.Env)+len(s.SecureEnv))
	for _, k := range sortedKeys(s.Env) {
		env = append(env, &armcontainerinstance.EnvironmentVariable{Name: to.Ptr(k), Value: to.Ptr(s.Env[k])})
	}
	for _, k := range sortedKeys(s.SecureEnv) {
		env = append(env, &armcontainerinstance.EnvironmentVariable{Name: to.Ptr(k), SecureValue: to.Ptr(s.SecureEnv[k])})
	}
	props := &armcontainerinstance.ContainerGroupPropertiesProperties{
		OSType:        to.Ptr(armcontainerinstance.OperatingSystemTypesLinux),
		RestartPolicy: to.Ptr(armcontainerinstance.ContainerGroupRestartPolicyNever),
		Containers: []*armcontainerinstance.Container{{
			Name: to.Ptr(ContainerName),
			Properties: &armcontainerinstance.ContainerProperties{
				Image:                to.Ptr(s.Image),
				Command:              to.SliceOfPtrs(s.Command...),
				EnvironmentVariables: env,
				Resources: &armcontainerinstance.ResourceRequirements{
					Requests: &armcontainerinstance.ResourceRequests{CPU: to.Ptr(s.CPU), MemoryInGB: to.Ptr(s.MemoryGB)},
				},
			},
		}},
	}
	if s.Registry != nil {
		props.ImageRegistryCredentials = []*armcontainerinstance.ImageRegistryCredential{{
			Server: to.Ptr(s.Registry.Server), Username: to.Ptr(s.Registry.Username), Password: to.Ptr(s.Registry.Password),
		}}
	}
	tags := map[string]*string{}
	for k, v := range s.Tags {
		tags[k] = to.Ptr(v)
	}
	return armcontainerinstance.ContainerGroup{Location: to.Ptr(s.Location), Tags: tags, Properties: props}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var notNameChar = regexp.MustCompile(`[^a-z0-9-]+`)

// GroupName is the container group's name for a run id: lower case, runs of other characters
// as one dash, at most 63 characters (a longer id keeps its first 50 and a hash of the whole),
// no dash at either end, as Container Instances requires.
func GroupName(runID string) string {
	n := strings.Trim(notNameChar.ReplaceAllString(strings.ToLower(runID), "-"), "-")
	sum := sha256.Sum256([]byte(runID))
	switch {
	case n == "":
		n = "run-" + hex.EncodeToString(sum[:])[:12]
	case len(n) > 63:
		n = strings.TrimRight(n[:50], "-") + "-" + hex.EncodeToString(sum[:])[:12]
	}
	return n
}

// View is what a group's instance view says of the run's container.
type View struct {
	// Provisioning is the group's provisioningState; GroupState its instanceView state.
	Provisioning, GroupState string
	// State is the container's current state ("Waiting", "Running", "Terminated"; "" before
	// the service reports one).
	State string
	// ExitCode, DetailStatus, StartTime and FinishTime are the current state's.
	ExitCode     *int32
	DetailStatus string
	StartTime    time.Time
	FinishTime   time.Time
	// Events are the container's and the group's events, oldest first.
	Events []Event
}

// Event is one instance-view event.
type Event struct {
	Name, Type, Message string
	Count               int32
	Last                time.Time
}

// ViewOf reads a group's instance view.
func ViewOf(g *armcontainerinstance.ContainerGroup) View {
	var v View
	if g == nil || g.Properties == nil {
		return v
	}
	p := g.Properties
	v.Provisioning = deref(p.ProvisioningState)
	if p.InstanceView != nil {
		v.GroupState = deref(p.InstanceView.State)
		v.Events = append(v.Events, events(p.InstanceView.Events)...)
	}
	for _, c := range p.Containers {
		if c == nil || c.Properties == nil || deref(c.Name) != ContainerName || c.Properties.InstanceView == nil {
			continue
		}
		iv := c.Properties.InstanceView
		if cs := iv.CurrentState; cs != nil {
			v.State, v.ExitCode, v.DetailStatus = deref(cs.State), cs.ExitCode, deref(cs.DetailStatus)
			if cs.StartTime != nil {
				v.StartTime = cs.StartTime.UTC()
			}
			if cs.FinishTime != nil {
				v.FinishTime = cs.FinishTime.UTC()
			}
		}
		v.Events = append(v.Events, events(iv.Events)...)
	}
	sort.SliceStable(v.Events, func(i, j int) bool { return v.Events[i].Last.Before(v.Events[j].Last) })
	return v
}

func events(in []*armcontainerinstance.Event) []Event {
	var out []Event
	for _, e := range in {
		if e == nil {
			continue
		}
		ev := Event{Name: deref(e.Name), Type: deref(e.Type), Message: deref(e.Message)}
		if e.Count != nil {
			ev.Count = *e.Count
		}
		if e.LastTimestamp != nil {
			ev.Last = e.LastTimestamp.UTC()
		}
		out = append(out, ev)
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Terminated reports whether the container has ended.
func (v View) Terminated() bool { return strings.EqualFold(v.State, "Terminated") }

// Running reports whether the container runs.
func (v View) Running() bool { return strings.EqualFold(v.State, "Running") }

// Failed reports whether the group itself failed (provisioning or its state): the container
// will never run.
func (v View) Failed() bool {
	return strings.EqualFold(v.Provisioning, "Failed") || (strings.EqualFold(v.GroupState, "Failed") && !v.Terminated())
}

// Stopped reports whether the group was stopped.
func (v View) Stopped() bool { return strings.EqualFold(v.GroupState, "Stopped") }

// Problem is the last Warning event's message ("Failed to pull image ..."), "" when none.
func (v View) Problem() string {
	for i := len(v.Events) - 1; i >= 0; i-- {
		if strings.EqualFold(v.Events[i].Type, "Warning") {
			return v.Events[i].Message
		}
	}
	return ""
}

// OOMKilled reports whether the container was killed for exceeding its memory.
func (v View) OOMKilled() bool { return strings.Contains(strings.ToLower(v.DetailStatus), "oom") }
