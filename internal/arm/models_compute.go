package arm

import (
	"encoding/json"
	"fmt"
)

// Compute types (the "computeType" discriminator). The service may send others.
const (
	ComputeTypeAmlCompute     = "AmlCompute"
	ComputeTypeVirtualMachine = "VirtualMachine"
	ComputeTypeHDInsight      = "HDInsight"
)

// Underlying resource actions of Compute_Delete.
const (
	UnderlyingResourceDelete = "Delete"
	UnderlyingResourceDetach = "Detach"
)

// ComputeResource is a workspaces/computes resource.
type ComputeResource struct {
	ID         string                  `json:"id,omitempty"`
	Name       string                  `json:"name,omitempty"`
	Type       string                  `json:"type,omitempty"`
	Location   string                  `json:"location,omitempty"`
	Tags       map[string]string       `json:"tags,omitempty"`
	Identity   *ManagedServiceIdentity `json:"identity,omitempty"`
	SKU        *SKU                    `json:"sku,omitempty"`
	SystemData *SystemData             `json:"systemData,omitempty"`
	Properties *Compute                `json:"properties,omitempty"`
	Extra      Extra                   `json:"-"`
}

// Compute is the properties of a ComputeResource. Properties holds the type-specific
// properties; decode them with AmlCompute, VirtualMachine or HDInsight.
type Compute struct {
	ComputeType        string          `json:"computeType"`
	ComputeLocation    string          `json:"computeLocation,omitempty"`
	ProvisioningState  string          `json:"provisioningState,omitempty"`
	Description        string          `json:"description,omitempty"`
	CreatedOn          *DateTime       `json:"createdOn,omitempty"`
	ModifiedOn         *DateTime       `json:"modifiedOn,omitempty"`
	ResourceID         string          `json:"resourceId,omitempty"`
	ProvisioningErrors []ErrorResponse `json:"provisioningErrors,omitempty"`
	IsAttachedCompute  *bool           `json:"isAttachedCompute,omitempty"`
	DisableLocalAuth   *bool           `json:"disableLocalAuth,omitempty"`
	Properties         json.RawMessage `json:"properties,omitempty"`
	Extra              Extra           `json:"-"`
}

// AmlComputeProperties are the properties of an AmlCompute cluster.
type AmlComputeProperties struct {
	OSType                        string           `json:"osType,omitempty"`
	VMSize                        string           `json:"vmSize,omitempty"`
	VMPriority                    string           `json:"vmPriority,omitempty"`
	VirtualMachineImage           *ResourceID      `json:"virtualMachineImage,omitempty"`
	IsolatedNetwork               *bool            `json:"isolatedNetwork,omitempty"`
	ScaleSettings                 *ScaleSettings   `json:"scaleSettings,omitempty"`
	UserAccountCredentials        *UserAccount     `json:"userAccountCredentials,omitempty"`
	Subnet                        *ResourceID      `json:"subnet,omitempty"`
	RemoteLoginPortPublicAccess   string           `json:"remoteLoginPortPublicAccess,omitempty"`
	AllocationState               string           `json:"allocationState,omitempty"`
	AllocationStateTransitionTime *DateTime        `json:"allocationStateTransitionTime,omitempty"`
	Errors                        []ErrorResponse  `json:"errors,omitempty"`
	CurrentNodeCount              *int32           `json:"currentNodeCount,omitempty"`
	TargetNodeCount               *int32           `json:"targetNodeCount,omitempty"`
	NodeStateCounts               *NodeStateCounts `json:"nodeStateCounts,omitempty"`
	EnableNodePublicIP            *bool            `json:"enableNodePublicIp,omitempty"`
	PropertyBag                   json.RawMessage  `json:"propertyBag,omitempty"`
	Extra                         Extra            `json:"-"`
}

// ScaleSettings are an AmlCompute cluster's scale settings.
type ScaleSettings struct {
	MaxNodeCount                int32  `json:"maxNodeCount"`
	MinNodeCount                *int32 `json:"minNodeCount,omitempty"`
	NodeIdleTimeBeforeScaleDown string `json:"nodeIdleTimeBeforeScaleDown,omitempty"`
	Extra                       Extra  `json:"-"`
}

// UserAccount is the administrator account of an AmlCompute cluster's nodes. The password and
// the SSH public key are sent on create and never returned.
type UserAccount struct {
	AdminUserName         string `json:"adminUserName"`
	AdminUserSSHPublicKey string `json:"adminUserSshPublicKey,omitempty"`
	AdminUserPassword     string `json:"adminUserPassword,omitempty"`
	Extra                 Extra  `json:"-"`
}

// NodeStateCounts counts an AmlCompute cluster's nodes by state.
type NodeStateCounts struct {
	IdleNodeCount      int32 `json:"idleNodeCount"`
	RunningNodeCount   int32 `json:"runningNodeCount"`
	PreparingNodeCount int32 `json:"preparingNodeCount"`
	UnusableNodeCount  int32 `json:"unusableNodeCount"`
	LeavingNodeCount   int32 `json:"leavingNodeCount"`
	PreemptedNodeCount int32 `json:"preemptedNodeCount"`
	Extra              Extra `json:"-"`
}

// VirtualMachineProperties are the properties of a VirtualMachine compute (created or
// attached).
type VirtualMachineProperties struct {
	VirtualMachineSize        string          `json:"virtualMachineSize,omitempty"`
	SSHPort                   *int32          `json:"sshPort,omitempty"`
	NotebookServerPort        *int32          `json:"notebookServerPort,omitempty"`
	Address                   string          `json:"address,omitempty"`
	AdministratorAccount      *SSHCredentials `json:"administratorAccount,omitempty"`
	IsNotebookInstanceCompute *bool           `json:"isNotebookInstanceCompute,omitempty"`
	Extra                     Extra           `json:"-"`
}

// HDInsightProperties are the properties of an attached HDInsight cluster.
type HDInsightProperties struct {
	SSHPort              *int32          `json:"sshPort,omitempty"`
	Address              string          `json:"address,omitempty"`
	AdministratorAccount *SSHCredentials `json:"administratorAccount,omitempty"`
	Extra                Extra           `json:"-"`
}

// SSHCredentials are the SSH credentials of a VM or HDInsight compute
// (VirtualMachineSshCredentials). Only the username comes back from the service.
type SSHCredentials struct {
	Username       string `json:"username,omitempty"`
	Password       string `json:"password,omitempty"`
	PublicKeyData  string `json:"publicKeyData,omitempty"`
	PrivateKeyData string `json:"privateKeyData,omitempty"`
	Passphrase     string `json:"passphrase,omitempty"`
	Extra          Extra  `json:"-"`
}

// String never shows the secrets.
func (c SSHCredentials) String() string {
	return fmt.Sprintf("SSHCredentials(username=%q)", c.Username)
}

// String never shows the secrets.
func (u UserAccount) String() string {
	return fmt.Sprintf("UserAccount(adminUserName=%q)", u.AdminUserName)
}

// NodeInformation is one node of an AmlCompute cluster (Compute_ListNodes).
type NodeInformation struct {
	NodeID           string   `json:"nodeId,omitempty"`
	PrivateIPAddress string   `json:"privateIpAddress,omitempty"`
	PublicIPAddress  string   `json:"publicIpAddress,omitempty"`
	Port             *float64 `json:"port,omitempty"`
	NodeState        string   `json:"nodeState,omitempty"`
	RunID            *string  `json:"runId,omitempty"`
	Extra            Extra    `json:"-"`
}

// NodeList is one page of Compute_ListNodes.
type NodeList struct {
	Nodes    []NodeInformation `json:"nodes"`
	NextLink string            `json:"nextLink,omitempty"`
}

// ComputeList is one page of Compute_List.
type ComputeList struct {
	Value    []ComputeResource `json:"value"`
	NextLink string            `json:"nextLink,omitempty"`
}

// ClusterUpdateParameters is the body of Compute_Update (scale settings of an AmlCompute).
type ClusterUpdateParameters struct {
	Properties *ClusterUpdateProperties `json:"properties,omitempty"`
}

// ClusterUpdateProperties is the properties of ClusterUpdateParameters.
type ClusterUpdateProperties struct {
	Properties *ScaleSettingsInformation `json:"properties,omitempty"`
}

// ScaleSettingsInformation wraps the new scale settings.
type ScaleSettingsInformation struct {
	ScaleSettings *ScaleSettings `json:"scaleSettings,omitempty"`
}

// AmlCompute decodes the type-specific properties of an AmlCompute ({} when absent).
func (c *Compute) AmlCompute() (*AmlComputeProperties, error) {
	var p AmlComputeProperties
	return &p, decodeProps(c, &p)
}

// VirtualMachine decodes the type-specific properties of a VirtualMachine compute.
func (c *Compute) VirtualMachine() (*VirtualMachineProperties, error) {
	var p VirtualMachineProperties
	return &p, decodeProps(c, &p)
}

// HDInsight decodes the type-specific properties of an HDInsight compute.
func (c *Compute) HDInsight() (*HDInsightProperties, error) {
	var p HDInsightProperties
	return &p, decodeProps(c, &p)
}

// SetProperties encodes v as the type-specific properties.
func (c *Compute) SetProperties(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("arm: encoding compute properties: %w", err)
	}
	c.Properties = b
	return nil
}

func decodeProps(c *Compute, v any) error {
	if c == nil || len(c.Properties) == 0 || string(c.Properties) == "null" {
		return nil
	}
	if err := json.Unmarshal(c.Properties, v); err != nil {
		return fmt.Errorf("arm: decoding %s properties: %w", c.ComputeType, err)
	}
	return nil
}

// UnmarshalJSON decodes r, keeping unknown members.
func (r *ComputeResource) UnmarshalJSON(b []byte) error {
	type plain ComputeResource
	return decodeKeep(b, (*plain)(r), &r.Extra)
}

// MarshalJSON encodes r with its unknown members.
func (r ComputeResource) MarshalJSON() ([]byte, error) {
	type plain ComputeResource
	return encodeKeep(plain(r), r.Extra)
}

// UnmarshalJSON decodes c, keeping unknown members.
func (c *Compute) UnmarshalJSON(b []byte) error {
	type plain Compute
	return decodeKeep(b, (*plain)(c), &c.Extra)
}

// MarshalJSON encodes c with its unknown members.
func (c Compute) MarshalJSON() ([]byte, error) {
	type plain Compute
	return encodeKeep(plain(c), c.Extra)
}

// UnmarshalJSON decodes p, keeping unknown members.
func (p *AmlComputeProperties) UnmarshalJSON(b []byte) error {
	type plain AmlComputeProperties
	return decodeKeep(b, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes p with its unknown members.
func (p AmlComputeProperties) MarshalJSON() ([]byte, error) {
	type plain AmlComputeProperties
	return encodeKeep(plain(p), p.Extra)
}

// UnmarshalJSON decodes s, keeping unknown members.
func (s *ScaleSettings) UnmarshalJSON(b []byte) error {
	type plain ScaleSettings
	return decodeKeep(b, (*plain)(s), &s.Extra)
}

// MarshalJSON encodes s with its unknown members.
func (s ScaleSettings) MarshalJSON() ([]byte, error) {
	type plain ScaleSettings
	return encodeKeep(plain(s), s.Extra)
}

// UnmarshalJSON decodes u, keeping unknown members.
func (u *UserAccount) UnmarshalJSON(b []byte) error {
	type plain UserAccount
	return decodeKeep(b, (*plain)(u), &u.Extra)
}

// MarshalJSON encodes u with its unknown members.
func (u UserAccount) MarshalJSON() ([]byte, error) {
	type plain UserAccount
	return encodeKeep(plain(u), u.Extra)
}

// UnmarshalJSON decodes n, keeping unknown members.
func (n *NodeStateCounts) UnmarshalJSON(b []byte) error {
	type plain NodeStateCounts
	return decodeKeep(b, (*plain)(n), &n.Extra)
}

// MarshalJSON encodes n with its unknown members.
func (n NodeStateCounts) MarshalJSON() ([]byte, error) {
	type plain NodeStateCounts
	return encodeKeep(plain(n), n.Extra)
}

// UnmarshalJSON decodes p, keeping unknown members.
func (p *VirtualMachineProperties) UnmarshalJSON(b []byte) error {
	type plain VirtualMachineProperties
	return decodeKeep(b, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes p with its unknown members.
func (p VirtualMachineProperties) MarshalJSON() ([]byte, error) {
	type plain VirtualMachineProperties
	return encodeKeep(plain(p), p.Extra)
}

// UnmarshalJSON decodes p, keeping unknown members.
func (p *HDInsightProperties) UnmarshalJSON(b []byte) error {
	type plain HDInsightProperties
	return decodeKeep(b, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes p with its unknown members.
func (p HDInsightProperties) MarshalJSON() ([]byte, error) {
	type plain HDInsightProperties
	return encodeKeep(plain(p), p.Extra)
}

// UnmarshalJSON decodes c, keeping unknown members.
func (c *SSHCredentials) UnmarshalJSON(b []byte) error {
	type plain SSHCredentials
	return decodeKeep(b, (*plain)(c), &c.Extra)
}

// MarshalJSON encodes c with its unknown members.
func (c SSHCredentials) MarshalJSON() ([]byte, error) {
	type plain SSHCredentials
	return encodeKeep(plain(c), c.Extra)
}

// UnmarshalJSON decodes n, keeping unknown members.
func (n *NodeInformation) UnmarshalJSON(b []byte) error {
	type plain NodeInformation
	return decodeKeep(b, (*plain)(n), &n.Extra)
}

// MarshalJSON encodes n with its unknown members.
func (n NodeInformation) MarshalJSON() ([]byte, error) {
	type plain NodeInformation
	return encodeKeep(plain(n), n.Extra)
}

// ComputeSecrets is the body of Compute_ListKeys (discriminator computeType). For a
// VirtualMachine it carries the SSH credentials; other types' secrets stay in Extra. Its
// String never shows secrets.
type ComputeSecrets struct {
	ComputeType          string          `json:"computeType"`
	AdministratorAccount *SSHCredentials `json:"administratorAccount,omitempty"`
	Extra                Extra           `json:"-"`
}

// String never shows the secrets.
func (s ComputeSecrets) String() string {
	return fmt.Sprintf("ComputeSecrets(computeType=%q)", s.ComputeType)
}

// UnmarshalJSON decodes s, keeping unknown members.
func (s *ComputeSecrets) UnmarshalJSON(b []byte) error {
	type plain ComputeSecrets
	return decodeKeep(b, (*plain)(s), &s.Extra)
}

// MarshalJSON encodes s with its unknown members.
func (s ComputeSecrets) MarshalJSON() ([]byte, error) {
	type plain ComputeSecrets
	return encodeKeep(plain(s), s.Extra)
}
