package compute

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
)

// BatchClusterStatus is an AmlCompute cluster's detailed status (azureml-core's
// AmlComputeStatus plus the provisioning errors).
type BatchClusterStatus struct {
	// ProvisioningState is Creating, Succeeded, Failed, Deleting, Updating, Canceled or
	// Unknown (open set: other strings are kept).
	ProvisioningState ProvisioningState
	// AllocationState is Steady or Resizing (open set).
	AllocationState string
	// AllocationStateTransitionTime is when the allocation state last changed.
	AllocationStateTransitionTime time.Time
	// CurrentNodeCount and TargetNodeCount are the cluster's node counts (nil when unknown).
	CurrentNodeCount, TargetNodeCount *int
	// NodeStateCounts counts the nodes by state.
	NodeStateCounts NodeStateCounts
	// VMSize and VMPriority are the nodes' size and priority.
	VMSize, VMPriority string
	// ScaleSettings are the cluster's scale settings.
	ScaleSettings ScaleSettings
	// CreatedOn and ModifiedOn are when the compute object was created and last modified.
	CreatedOn, ModifiedOn time.Time
	// Errors are the errors the cluster reports; ProvisioningErrors those of its provisioning.
	Errors, ProvisioningErrors []ServiceError
}

// NodeStateCounts counts an AmlCompute cluster's nodes by state.
type NodeStateCounts struct {
	Idle, Running, Preparing, Unusable, Leaving, Preempted int
}

// ScaleSettings are an AmlCompute cluster's scale settings.
type ScaleSettings struct {
	MinNodes, MaxNodes         int
	IdleSecondsBeforeScaledown int
}

func statusFromARM(res *armmachinelearning.ComputeResource) *BatchClusterStatus {
	st := &BatchClusterStatus{}
	if res.Properties == nil || res.Properties.GetCompute() == nil {
		return st
	}
	b := baseOf(res)
	st.ProvisioningState = ProvisioningState(deref(b.ProvisioningState))
	st.ProvisioningErrors = serviceErrors(b.ProvisioningErrors)
	st.CreatedOn, st.ModifiedOn = deref(b.CreatedOn), deref(b.ModifiedOn)
	aml, ok := res.Properties.(*armmachinelearning.AmlCompute)
	if !ok || aml.Properties == nil {
		return st
	}
	p := aml.Properties
	st.AllocationState, st.VMSize, st.VMPriority = string(deref(p.AllocationState)), deref(p.VMSize), string(deref(p.VMPriority))
	st.AllocationStateTransitionTime = deref(p.AllocationStateTransitionTime)
	if p.CurrentNodeCount != nil {
		n := int(*p.CurrentNodeCount)
		st.CurrentNodeCount = &n
	}
	if p.TargetNodeCount != nil {
		n := int(*p.TargetNodeCount)
		st.TargetNodeCount = &n
	}
	if c := p.NodeStateCounts; c != nil {
		st.NodeStateCounts = NodeStateCounts{Idle: int(deref(c.IdleNodeCount)), Running: int(deref(c.RunningNodeCount)),
			Preparing: int(deref(c.PreparingNodeCount)), Unusable: int(deref(c.UnusableNodeCount)), Leaving: int(deref(c.LeavingNodeCount)),
			Preempted: int(deref(c.PreemptedNodeCount))}
	}
	if s := p.ScaleSettings; s != nil {
		st.ScaleSettings.MaxNodes = int(deref(s.MaxNodeCount))
		st.ScaleSettings.MinNodes = int(deref(s.MinNodeCount))
		st.ScaleSettings.IdleSecondsBeforeScaledown = durationSeconds(deref(s.NodeIdleTimeBeforeScaleDown))
	}
	st.Errors = serviceErrors(p.Errors)
	return st
}

// ClusterStatus reads the cluster's detailed status from the service (azureml-core's
// get_status), including the provisioning errors of a failed cluster.
func (c *BatchCluster) ClusterStatus(ctx context.Context) (*BatchClusterStatus, error) {
	res, err := getARM(ctx, c.az, c.name)
	if err != nil {
		return nil, err
	}
	return statusFromARM(res), nil
}

// Node is one node of an AmlCompute cluster.
type Node struct {
	ID               string
	PrivateIPAddress string
	PublicIPAddress  string
	Port             int
	// State is idle, running, preparing, unusable, leaving or preempted (open set).
	State string
	// RunID is the run the node is running ("" when idle).
	RunID string
}

// ListNodes lists the cluster's nodes (azureml-core's list_nodes), following every page.
func (c *BatchCluster) ListNodes(ctx context.Context) iter.Seq2[Node, error] {
	return func(yield func(Node, error) bool) {
		for p := c.az.Clients.Computes.NewListNodesPager(c.az.ResourceGroup, c.az.Name, c.name, nil); p.More(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(Node{}, fmt.Errorf("compute: listing nodes of %q: %w", c.name, err))
				return
			}
			for _, n := range page.Nodes {
				if n == nil {
					continue
				}
				node := Node{ID: deref(n.NodeID), PrivateIPAddress: deref(n.PrivateIPAddress), PublicIPAddress: deref(n.PublicIPAddress),
					State: string(deref(n.NodeState)), Port: int(deref(n.Port)), RunID: deref(n.RunID)}
				if !yield(node, nil) {
					return
				}
			}
		}
	}
}

// durationSeconds parses the day/time ISO 8601 durations the service sends (PT5M, PT1800S,
// P1DT2H); 0 when it cannot.
func durationSeconds(s string) int {
	if len(s) < 2 || s[0] != 'P' {
		return 0
	}
	total, n, inTime := 0.0, 0.0, false
	frac, scale := false, 1.0
	for _, r := range s[1:] {
		switch {
		case r == 'T':
			inTime = true
		case r >= '0' && r <= '9':
			if frac {
				scale /= 10
				n += float64(r-'0') * scale
			} else {
				n = n*10 + float64(r-'0')
			}
		case r == '.':
			frac = true
		default:
			mult := map[rune]float64{'D': 86400, 'H': 3600, 'S': 1}[r]
			if r == 'M' {
				mult = 60
				if !inTime {
					mult = 30 * 86400
				}
			}
			if r == 'W' {
				mult = 7 * 86400
			}
			total += n * mult
			n, frac, scale = 0, false, 1
		}
	}
	return int(total)
}
