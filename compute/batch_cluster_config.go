package compute

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
)

// ErrInvalidProvisioningConfig wraps the validation errors of a provisioning configuration
// (azureml-core's messages).
var ErrInvalidProvisioningConfig = errors.New("compute: invalid provisioning configuration")

// defaultIdleSeconds is azureml-core's idle_seconds_before_scaledown default.
const defaultIdleSeconds = 1800

// BatchClusterConfig is how to provision an AmlCompute ("Batch") cluster, as azureml-core's
// AmlCompute.provisioning_configuration. Fields left zero take azureml's defaults; values the
// service defaults itself (VM size Standard_NC6, priority dedicated, remote login
// NotSpecified) are then not sent.
type BatchClusterConfig struct {
	// VMSize is the nodes' VM size, e.g. "STANDARD_D2_V2" ("" = the service's default).
	VMSize string
	// VMPriority is "dedicated" or "lowpriority" (any case; "" = dedicated).
	VMPriority string
	// MinNodes is the minimum number of nodes (default 0).
	MinNodes int
	// MaxNodes is the maximum number of nodes. It is mandatory, as in azureml-core.
	MaxNodes int
	// IdleSecondsBeforeScaledown is the idle time of a node before the cluster scales down
	// (0 = 1800).
	IdleSecondsBeforeScaledown int
	// AdminUsername, with AdminUserPassword or AdminUserSSHKey (a public key), creates an
	// administrator account on the nodes. The password and key are sent only in the creation
	// request; they are never logged, stored or returned.
	AdminUsername     string
	AdminUserPassword string `json:"-"`
	AdminUserSSHKey   string `json:"-"`
	// VNetResourceGroup, VNetName and SubnetName put the nodes in a virtual network (all
	// three or none).
	VNetResourceGroup string
	VNetName          string
	SubnetName        string
	// Tags and Description label the compute object.
	Tags        map[string]string
	Description string
	// RemoteLoginPortPublicAccess is the public SSH port's state: Enabled, Disabled or
	// NotSpecified ("" = NotSpecified).
	RemoteLoginPortPublicAccess string
	// IdentityType is SystemAssigned or UserAssigned; IdentityIDs are the user-assigned
	// identities' ARM ids (UserAssigned only).
	IdentityType string
	IdentityIDs  []string
	// Location is the region to create the cluster in ("" = the workspace's).
	Location string
	// EnableNodePublicIP gives nodes public IPs (nil = true, sent with a virtual network).
	EnableNodePublicIP *bool
	// OSType (Linux or Windows), VirtualMachineImageID (a custom image, Windows only) and
	// IsolatedNetwork are service options azureml-core 1.50 does not expose.
	OSType                string
	VirtualMachineImageID string
	IsolatedNetwork       *bool
}

// String describes the configuration without its secrets.
func (c BatchClusterConfig) String() string {
	return fmt.Sprintf("BatchClusterConfig(vm_size=%q, vm_priority=%q, min_nodes=%d, max_nodes=%d, idle_seconds_before_scaledown=%d, admin_username=%q, location=%q)",
		c.VMSize, c.VMPriority, c.MinNodes, c.MaxNodes, c.IdleSecondsBeforeScaledown, c.AdminUsername, c.Location)
}

// GoString is String, so that %#v shows no secret either.
func (c BatchClusterConfig) GoString() string { return c.String() }

// validate checks c with azureml-core's AmlComputeProvisioningConfiguration messages.
func (c *BatchClusterConfig) validate() error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidProvisioningConfig, msg) }
	if (c.AdminUserPassword != "" || c.AdminUserSSHKey != "") && c.AdminUsername == "" {
		return bad("Invalid user credentials, admin username must be provided along with either a password or SSH key information.")
	}
	if c.AdminUsername != "" {
		if c.AdminUserPassword == "" && c.AdminUserSSHKey == "" {
			return bad("Invalid user credentials, no password or key information provided. Please provide either a password or SSH key information.")
		}
		if c.AdminUserPassword != "" && !validAdminPassword(c.AdminUserPassword) {
			return bad("Invalid admin user password provided. The admin user password must have 3 of the following: 1 lowercase character, 1 uppercase character, 1 number, and 1 special character `~!@#$%^&*()=+_[]{}|;:./'\",<>?")
		}
	}
	vnet := []string{c.VNetName, c.VNetResourceGroup, c.SubnetName}
	set := 0
	for _, v := range vnet {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		return bad("Invalid configuration, not all virtual net information provided. To use a custom virtual net, please provide vnet name, vnet resource group and subnet name")
	}
	switch {
	case c.MaxNodes < 0:
		return bad("Invalid provisioning configuration, max nodes count must be greater than or equal to 0")
	case c.MaxNodes == 0:
		return bad("Invalid provisioning configuration, max nodes count is mandatory")
	case c.MaxNodes < c.MinNodes:
		return bad("Invalid provisioning configuration, max nodes count must be greater than or equal to min nodes count")
	case c.MinNodes < 0:
		return bad("Invalid provisioning configuration, min nodes count must be greater than or equal to 0")
	case c.IdleSecondsBeforeScaledown < 0:
		return bad("Invalid provisioning configuration, idle seconds before scaledown must be greater than or equal to 0")
	}
	switch c.IdentityType {
	case "":
		if len(c.IdentityIDs) > 0 {
			return bad("Invalid configuration, identity_id cannot be set when identity type is not user assigned.")
		}
	case "SystemAssigned":
		if len(c.IdentityIDs) > 0 {
			return bad("Invalid configuration, identity_id cannot be set when identity type is not user assigned.")
		}
	case "UserAssigned":
		if len(c.IdentityIDs) == 0 {
			return bad("Invalid configuration, please pass the identity_id of the user assigned identity as a list (eg. ['resource_ID1','resourceID2',...])")
		}
	default:
		return bad("Invalid configuration, identity_type must be set to 'UserAssigned' or 'SystemAssigned'.")
	}
	return nil
}

// validAdminPassword is azureml-core's password policy: 3 of lower case, upper case, digit and
// special character.
func validAdminPassword(p string) bool {
	const special = "`~!@#$%^&*()=+_[]{}|;:./'\",<>?"
	classes := []func(rune) bool{
		func(r rune) bool { return r >= 'a' && r <= 'z' },
		func(r rune) bool { return r >= 'A' && r <= 'Z' },
		func(r rune) bool { return r >= '0' && r <= '9' },
		func(r rune) bool { return strings.ContainsRune(special, r) },
	}
	n := 0
	for _, in := range classes {
		if strings.ContainsFunc(p, in) {
			n++
		}
	}
	return n >= 3
}

// isoSeconds is azureml-core's convert_seconds_to_duration: "PT<seconds>S".
func isoSeconds(s int) string { return fmt.Sprintf("PT%dS", s) }

// vmPriority maps azureml's "dedicated"/"lowpriority" to the service's enum values.
func vmPriority(p string) string {
	switch strings.ToLower(p) {
	case "dedicated":
		return "Dedicated"
	case "lowpriority":
		return "LowPriority"
	}
	return p
}

// request builds the Compute_CreateOrUpdate body, as azureml-core's
// AmlCompute._build_create_payload. Members left zero are not sent.
func (c *BatchClusterConfig) request(subscriptionID, location string) armmachinelearning.ComputeResource {
	idle := c.IdleSecondsBeforeScaledown
	if idle == 0 {
		idle = defaultIdleSeconds
	}
	props := &armmachinelearning.AmlComputeProperties{
		VMSize:     ptrOrNil(c.VMSize),
		VMPriority: enumOrNil[armmachinelearning.VMPriority](vmPriority(c.VMPriority)),
		OSType:     enumOrNil[armmachinelearning.OsType](c.OSType),
		ScaleSettings: &armmachinelearning.ScaleSettings{
			MaxNodeCount: to.Ptr(int32(c.MaxNodes)), MinNodeCount: to.Ptr(int32(c.MinNodes)),
			NodeIdleTimeBeforeScaleDown: to.Ptr(isoSeconds(idle)),
		},
		IsolatedNetwork:             c.IsolatedNetwork,
		RemoteLoginPortPublicAccess: enumOrNil[armmachinelearning.RemoteLoginPortPublicAccess](c.RemoteLoginPortPublicAccess),
		EnableNodePublicIP:          c.EnableNodePublicIP,
	}
	if c.VirtualMachineImageID != "" {
		props.VirtualMachineImage = &armmachinelearning.VirtualMachineImage{ID: to.Ptr(c.VirtualMachineImageID)}
	}
	if c.AdminUsername != "" {
		props.UserAccountCredentials = &armmachinelearning.UserAccountCredentials{AdminUserName: to.Ptr(c.AdminUsername),
			AdminUserPassword: ptrOrNil(c.AdminUserPassword), AdminUserSSHPublicKey: ptrOrNil(c.AdminUserSSHKey)}
	}
	if c.VNetName != "" {
		props.Subnet = &armmachinelearning.ResourceID{ID: to.Ptr(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/%s/subnets/%s",
			subscriptionID, c.VNetResourceGroup, c.VNetName, c.SubnetName))}
		if props.EnableNodePublicIP == nil {
			props.EnableNodePublicIP = to.Ptr(true)
		}
	}
	res := armmachinelearning.ComputeResource{
		Location: ptrOrNil(location),
		Properties: &armmachinelearning.AmlCompute{
			ComputeType:     to.Ptr(armmachinelearning.ComputeTypeAmlCompute),
			ComputeLocation: ptrOrNil(c.Location),
			Description:     ptrOrNil(c.Description),
			Properties:      props,
		},
	}
	if len(c.Tags) > 0 {
		res.Tags = make(map[string]*string, len(c.Tags))
		for k, v := range c.Tags {
			res.Tags[k] = to.Ptr(v)
		}
	}
	if c.IdentityType != "" {
		res.Identity = &armmachinelearning.ManagedServiceIdentity{Type: to.Ptr(armmachinelearning.ManagedServiceIdentityType(c.IdentityType))}
		if len(c.IdentityIDs) > 0 {
			res.Identity.UserAssignedIdentities = map[string]*armmachinelearning.UserAssignedIdentity{}
			for _, id := range c.IdentityIDs {
				res.Identity.UserAssignedIdentities[id] = &armmachinelearning.UserAssignedIdentity{}
			}
		}
	}
	return res
}

// enumOrNil returns the service enum value s, or nil for "" (a member the request leaves out).
// Enums are open strings: values the service adds later pass through.
func enumOrNil[E ~string](s string) *E {
	if s == "" {
		return nil
	}
	e := E(s)
	return &e
}
