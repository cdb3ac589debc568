package arm

// Workspace is a Microsoft.MachineLearningServices/workspaces resource.
type Workspace struct {
	ID         string                  `json:"id,omitempty"`
	Name       string                  `json:"name,omitempty"`
	Type       string                  `json:"type,omitempty"`
	Location   string                  `json:"location,omitempty"`
	Kind       string                  `json:"kind,omitempty"`
	Tags       map[string]string       `json:"tags,omitempty"`
	Identity   *ManagedServiceIdentity `json:"identity,omitempty"`
	SKU        *SKU                    `json:"sku,omitempty"`
	SystemData *SystemData             `json:"systemData,omitempty"`
	Properties *WorkspaceProperties    `json:"properties,omitempty"`
	Extra      Extra                   `json:"-"`
}

// WorkspaceProperties are the properties the SDK reads from a workspace; the others are kept
// in Extra.
type WorkspaceProperties struct {
	WorkspaceID         string `json:"workspaceId,omitempty"`
	Description         string `json:"description,omitempty"`
	FriendlyName        string `json:"friendlyName,omitempty"`
	DiscoveryURL        string `json:"discoveryUrl,omitempty"`
	MLFlowTrackingURI   string `json:"mlFlowTrackingUri,omitempty"`
	StorageAccount      string `json:"storageAccount,omitempty"`
	KeyVault            string `json:"keyVault,omitempty"`
	ApplicationInsights string `json:"applicationInsights,omitempty"`
	ContainerRegistry   string `json:"containerRegistry,omitempty"`
	ProvisioningState   string `json:"provisioningState,omitempty"`
	PublicNetworkAccess string `json:"publicNetworkAccess,omitempty"`
	HBIWorkspace        *bool  `json:"hbiWorkspace,omitempty"`
	V1LegacyMode        *bool  `json:"v1LegacyMode,omitempty"`
	TenantID            string `json:"tenantId,omitempty"`
	ImageBuildCompute   string `json:"imageBuildCompute,omitempty"`
	Extra               Extra  `json:"-"`
}

// WorkspaceList is one page of Workspaces_ListByResourceGroup.
type WorkspaceList struct {
	Value    []Workspace `json:"value"`
	NextLink string      `json:"nextLink,omitempty"`
}

// UnmarshalJSON decodes w, keeping unknown members.
func (w *Workspace) UnmarshalJSON(b []byte) error {
	type plain Workspace
	return decodeKeep(b, (*plain)(w), &w.Extra)
}

// MarshalJSON encodes w with its unknown members.
func (w Workspace) MarshalJSON() ([]byte, error) {
	type plain Workspace
	return encodeKeep(plain(w), w.Extra)
}

// UnmarshalJSON decodes p, keeping unknown members.
func (p *WorkspaceProperties) UnmarshalJSON(b []byte) error {
	type plain WorkspaceProperties
	return decodeKeep(b, (*plain)(p), &p.Extra)
}

// MarshalJSON encodes p with its unknown members.
func (p WorkspaceProperties) MarshalJSON() ([]byte, error) {
	type plain WorkspaceProperties
	return encodeKeep(plain(p), p.Extra)
}
