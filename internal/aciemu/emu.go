package aciemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/dockerexec"
)

// APIVersion is the Microsoft.ContainerInstance api-version the emulator serves: the one
// armcontainerinstance/v2 v2.4.0 sends.
const APIVersion = "2023-05-01"

// Labels the emulator puts on every engine container it starts, so that a sweep finds them.
const (
	// LabelEmulator holds the id of the emulator that started the container (Emulator.ID).
	LabelEmulator = "amlgo.aciemu"
	// LabelGroup holds the container group's ARM id, lower-cased.
	LabelGroup = "amlgo.aciemu.group"
	// LabelContainer holds the container's name in its group.
	LabelContainer = "amlgo.aciemu.container"
	// LabelOwner holds the pid of the process whose emulator started the container.
	LabelOwner = "amlgo.aciemu.owner-pid"
)

// Paths of the emulated operations.
const (
	cgCollection = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerInstance/containerGroups"
	cgPath       = cgCollection + "/{containerGroupName}"
	cgType       = "Microsoft.ContainerInstance/containerGroups"
	opPath       = "/subscriptions/{subscriptionId}/providers/Microsoft.ContainerInstance/locations/{location}/operations/{operationId}"
)

// DefaultRegions are the regions container groups may be created in (Linux container groups,
// from ACI's region availability list).
var DefaultRegions = []string{
	"australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "canadaeast", "centralindia", "centralus",
	"eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral", "japaneast", "japanwest", "koreacentral",
	"northcentralus", "northeurope", "norwayeast", "southafricanorth", "southcentralus", "southeastasia", "southindia",
	"swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westus",
	"westus2", "westus3",
}

// Default resource limits of one container group: a standard Linux group without GPUs in most
// regions (ACI's "Resource availability by region": 4 CPU, 16 GB).
const (
	DefaultMaxCPU      = 4.0
	DefaultMaxMemoryGB = 16.0
)

// DefaultLogLimit is how much of a container's log Containers_ListLogs returns: its last 4 MB,
// as ACI does.
const DefaultLogLimit = 4 << 20

// Options configure an Emulator. Docker is required.
type Options struct {
	// Docker is the engine the containers run on.
	Docker *dockerexec.Engine
	// Network is the containers' network (default "host": a container reaches Azurite and the
	// registry on 127.0.0.1, as an ACI container reaches Azure storage).
	Network string
	// Regions are the locations a group may be created in (default DefaultRegions).
	Regions []string
	// MaxCPU and MaxMemoryGB bound a group's total requests (default DefaultMaxCPU and
	// DefaultMaxMemoryGB).
	MaxCPU, MaxMemoryGB float64
	// LogLimit is the most bytes Containers_ListLogs returns (default DefaultLogLimit).
	LogLimit int
	// PullAttempts is how many times an image pull is tried before the group fails (default 2,
	// with a BackOff event between attempts); PullBackOff is the wait between them (default
	// 200 ms).
	PullAttempts int
	PullBackOff  time.Duration
	// StopGrace is the time between SIGTERM and SIGKILL when a group is stopped or deleted
	// (default 2 s).
	StopGrace time.Duration
	// Registry is the workspace's container registry (a real registry, e.g. dockertest's);
	// nil = none. See Emulator.SetWorkspaceRegistry.
	Registry *Registry
}

// Emulator serves Microsoft.ContainerInstance container groups (and the workspace's
// Microsoft.ContainerRegistry registry) on an armfake.Server and runs every group's containers
// on a real Docker engine.
type Emulator struct {
	arm  *armfake.Server
	opts Options
	id   string
	reg  *registryProxy
	// ncpu is the engine's CPU count: a container's CPU limit is capped to it (the engine
	// refuses more).
	ncpu float64

	mu      sync.Mutex
	groups  map[string]*group // by lower-cased ARM id
	ops     map[string]*operation
	changed chan struct{} // closed (and replaced) at every state change
	holds   map[string]chan struct{}
	fail    *Failure
	regs    map[string]string // registry ARM id (lower-cased) → name

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// New adds the emulated operations to arm, after removing the engine containers that
// emulators of dead processes left (SweepLeftovers). Close stops and removes every container
// the emulator started; a test calls it in t.Cleanup.
func New(arm *armfake.Server, opts Options) (*Emulator, error) {
	if arm == nil || opts.Docker == nil {
		return nil, errors.New("aciemu: New needs the armfake server and Options.Docker")
	}
	if opts.Network == "" {
		opts.Network = "host"
	}
	if len(opts.Regions) == 0 {
		opts.Regions = DefaultRegions
	}
	if opts.MaxCPU <= 0 {
		opts.MaxCPU = DefaultMaxCPU
	}
	if opts.MaxMemoryGB <= 0 {
		opts.MaxMemoryGB = DefaultMaxMemoryGB
	}
	if opts.LogLimit <= 0 {
		opts.LogLimit = DefaultLogLimit
	}
	if opts.PullAttempts <= 0 {
		opts.PullAttempts = 2
	}
	if opts.PullBackOff <= 0 {
		opts.PullBackOff = 200 * time.Millisecond
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = 2 * time.Second
	}
	ncpu, err := opts.Docker.NCPU(context.Background())
	if err != nil {
		return nil, fmt.Errorf("aciemu: %w", err)
	}
	// Containers left by emulators of processes that were killed before their Close.
	_, _ = SweepLeftovers(context.Background(), opts.Docker)
	ctx, stop := context.WithCancel(context.Background())
	e := &Emulator{ncpu: float64(ncpu),
		arm: arm, opts: opts, id: randomHex(4),
		groups: map[string]*group{}, ops: map[string]*operation{}, changed: make(chan struct{}),
		holds: map[string]chan struct{}{}, regs: map[string]string{}, ctx: ctx, stop: stop,
	}
	if opts.Registry != nil {
		p, err := startRegistryProxy(*opts.Registry)
		if err != nil {
			stop()
			return nil, err
		}
		e.reg = p
	}
	e.register()
	return e, nil
}

// ID is the emulator's id, the value of LabelEmulator on its containers.
func (e *Emulator) ID() string { return e.id }

// ARM is the fake Resource Manager the emulator extends.
func (e *Emulator) ARM() *armfake.Server { return e.arm }

// Close stops every group's runner and removes every engine container the emulator started.
func (e *Emulator) Close() {
	e.stop()
	e.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if names, err := e.opts.Docker.ListLabeled(ctx, LabelEmulator+"="+e.id); err == nil {
		for _, n := range names {
			_ = e.opts.Docker.Remove(ctx, n)
		}
	}
	if e.reg != nil {
		e.reg.close()
	}
}

func (e *Emulator) register() {
	h := e.arm.Handle
	unlocked := &armfake.HandleOptions{Unlocked: true}
	h(http.MethodPut, cgPath, APIVersion, nil, e.putGroup)
	h(http.MethodGet, cgPath, APIVersion, nil, e.getGroup)
	h(http.MethodDelete, cgPath, APIVersion, nil, e.deleteGroup)
	h(http.MethodPost, cgPath+"/stop", APIVersion, unlocked, e.stopGroup)
	h(http.MethodGet, cgCollection, APIVersion, nil, e.listGroups)
	h(http.MethodGet, "/subscriptions/{subscriptionId}/providers/Microsoft.ContainerInstance/containerGroups", APIVersion, nil, e.listGroups)
	h(http.MethodGet, cgPath+"/containers/{containerName}/logs", APIVersion, unlocked, e.listLogs)
	h(http.MethodGet, opPath, APIVersion, nil, e.operationStatus)
	e.registerRegistry()
}

// notify wakes every waiter; e.mu must be held.
func (e *Emulator) notify() {
	close(e.changed)
	e.changed = make(chan struct{})
}

func groupID(sub, rg, name string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/" + cgType + "/" + name
}

func key(id string) string { return strings.ToLower(id) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// notFound writes Resource Manager's 404 for a container group.
func (e *Emulator) notFound(w http.ResponseWriter, rg, name string) {
	e.arm.WriteError(w, http.StatusNotFound, "ResourceNotFound",
		fmt.Sprintf("The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", cgType, name, rg))
}

// ownerPID is the LabelOwner value of this process.
var ownerPID = fmt.Sprint(os.Getpid())
