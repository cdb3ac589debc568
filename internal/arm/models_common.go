package arm

import "encoding/json"

// ErrorResponse is ARM's error envelope (common-types v3), also used for a compute's
// provisioningErrors and an AmlCompute's errors.
type ErrorResponse struct {
	Error *ErrorDetail `json:"error,omitempty"`
	Extra Extra        `json:"-"`
}

// ErrorDetail is one error of an ErrorResponse.
type ErrorDetail struct {
	Code           string                `json:"code,omitempty"`
	Message        string                `json:"message,omitempty"`
	Target         string                `json:"target,omitempty"`
	Details        []ErrorDetail         `json:"details,omitempty"`
	AdditionalInfo []ErrorAdditionalInfo `json:"additionalInfo,omitempty"`
	Extra          Extra                 `json:"-"`
}

// ErrorAdditionalInfo is additional information about an error.
type ErrorAdditionalInfo struct {
	Type string          `json:"type,omitempty"`
	Info json.RawMessage `json:"info,omitempty"`
}

// SystemData is the creation and last modification metadata of a resource.
type SystemData struct {
	CreatedBy          string    `json:"createdBy,omitempty"`
	CreatedByType      string    `json:"createdByType,omitempty"`
	CreatedAt          *DateTime `json:"createdAt,omitempty"`
	LastModifiedBy     string    `json:"lastModifiedBy,omitempty"`
	LastModifiedByType string    `json:"lastModifiedByType,omitempty"`
	LastModifiedAt     *DateTime `json:"lastModifiedAt,omitempty"`
	Extra              Extra     `json:"-"`
}

// ManagedServiceIdentity is the managed identity of a resource.
type ManagedServiceIdentity struct {
	Type                   string                           `json:"type,omitempty"`
	PrincipalID            string                           `json:"principalId,omitempty"`
	TenantID               string                           `json:"tenantId,omitempty"`
	UserAssignedIdentities map[string]*UserAssignedIdentity `json:"userAssignedIdentities,omitempty"`
	Extra                  Extra                            `json:"-"`
}

// UserAssignedIdentity is one user-assigned identity of a resource.
type UserAssignedIdentity struct {
	ClientID    string `json:"clientId,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	Extra       Extra  `json:"-"`
}

// SKU is the SKU of a resource.
type SKU struct {
	Name     string `json:"name,omitempty"`
	Tier     string `json:"tier,omitempty"`
	Size     string `json:"size,omitempty"`
	Family   string `json:"family,omitempty"`
	Capacity *int32 `json:"capacity,omitempty"`
	Extra    Extra  `json:"-"`
}

// ResourceID is a reference to another resource: {"id": "..."}.
type ResourceID struct {
	ID    string `json:"id"`
	Extra Extra  `json:"-"`
}

// UnmarshalJSON decodes e, keeping unknown members.
func (e *ErrorResponse) UnmarshalJSON(b []byte) error {
	type plain ErrorResponse
	return decodeKeep(b, (*plain)(e), &e.Extra)
}

// MarshalJSON encodes e with its unknown members.
func (e ErrorResponse) MarshalJSON() ([]byte, error) {
	type plain ErrorResponse
	return encodeKeep(plain(e), e.Extra)
}

// UnmarshalJSON decodes e, keeping unknown members.
func (e *ErrorDetail) UnmarshalJSON(b []byte) error {
	type plain ErrorDetail
	return decodeKeep(b, (*plain)(e), &e.Extra)
}

// MarshalJSON encodes e with its unknown members.
func (e ErrorDetail) MarshalJSON() ([]byte, error) {
	type plain ErrorDetail
	return encodeKeep(plain(e), e.Extra)
}

// UnmarshalJSON decodes s, keeping unknown members.
func (s *SystemData) UnmarshalJSON(b []byte) error {
	type plain SystemData
	return decodeKeep(b, (*plain)(s), &s.Extra)
}

// MarshalJSON encodes s with its unknown members.
func (s SystemData) MarshalJSON() ([]byte, error) {
	type plain SystemData
	return encodeKeep(plain(s), s.Extra)
}

// UnmarshalJSON decodes m, keeping unknown members.
func (m *ManagedServiceIdentity) UnmarshalJSON(b []byte) error {
	type plain ManagedServiceIdentity
	return decodeKeep(b, (*plain)(m), &m.Extra)
}

// MarshalJSON encodes m with its unknown members.
func (m ManagedServiceIdentity) MarshalJSON() ([]byte, error) {
	type plain ManagedServiceIdentity
	return encodeKeep(plain(m), m.Extra)
}

// UnmarshalJSON decodes u, keeping unknown members.
func (u *UserAssignedIdentity) UnmarshalJSON(b []byte) error {
	type plain UserAssignedIdentity
	return decodeKeep(b, (*plain)(u), &u.Extra)
}

// MarshalJSON encodes u with its unknown members.
func (u UserAssignedIdentity) MarshalJSON() ([]byte, error) {
	type plain UserAssignedIdentity
	return encodeKeep(plain(u), u.Extra)
}

// UnmarshalJSON decodes s, keeping unknown members.
func (s *SKU) UnmarshalJSON(b []byte) error {
	type plain SKU
	return decodeKeep(b, (*plain)(s), &s.Extra)
}

// MarshalJSON encodes s with its unknown members.
func (s SKU) MarshalJSON() ([]byte, error) {
	type plain SKU
	return encodeKeep(plain(s), s.Extra)
}

// UnmarshalJSON decodes r, keeping unknown members.
func (r *ResourceID) UnmarshalJSON(b []byte) error {
	type plain ResourceID
	return decodeKeep(b, (*plain)(r), &r.Extra)
}

// MarshalJSON encodes r with its unknown members.
func (r ResourceID) MarshalJSON() ([]byte, error) {
	type plain ResourceID
	return encodeKeep(plain(r), r.Extra)
}
