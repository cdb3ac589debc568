package armfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Asset versions (code and environment versions) are plain synchronous resources: PUT
// answers 201 for a new version and 200 for a replaced one, GET 200 or 404.

// assetName is the pattern of an asset's name on PUT (mfe.json).
var assetName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$`)

// assetKinds are the asset collections served, by path segment: their resource type.
var assetKinds = map[string]string{
	"codes":        "Microsoft.MachineLearningServices/workspaces/codes/versions",
	"environments": "Microsoft.MachineLearningServices/workspaces/environments/versions",
}

func assetKey(wsID, kind, name, version string) string {
	return strings.ToLower(wsID + "/" + kind + "/" + name + "/versions/" + version)
}

// putAssetVersion answers CodeVersions_CreateOrUpdate and EnvironmentVersions_CreateOrUpdate.
func (s *Server) putAssetVersion(c *call, kind string) {
	name, version := c.params["name"], c.params["version"]
	if !assetName.MatchString(name) {
		s.writeError(c.w, http.StatusBadRequest, "BadRequest",
			fmt.Sprintf("The name %q does not match the pattern %s.", name, assetName))
		return
	}
	var m map[string]any
	if err := json.Unmarshal(c.body, &m); err != nil {
		s.writeError(c.w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	props, ok := m["properties"].(map[string]any)
	if !ok {
		s.writeError(c.w, http.StatusBadRequest, "BadRequest", "properties is required")
		return
	}
	key := assetKey(c.wsID, kind, name, version)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	sys := map[string]any{"createdAt": now, "createdBy": "armfake", "createdByType": "User"}
	status := http.StatusCreated
	if old, ok := s.assets[key]; ok {
		status = http.StatusOK
		if prev, ok := old["systemData"].(map[string]any); ok {
			sys["createdAt"], sys["createdBy"], sys["createdByType"] = prev["createdAt"], prev["createdBy"], prev["createdByType"]
		}
	}
	sys["lastModifiedAt"], sys["lastModifiedBy"], sys["lastModifiedByType"] = now, "armfake", "User"
	m["id"] = c.wsID + "/" + kind + "/" + name + "/versions/" + version
	m["name"] = version
	m["type"] = assetKinds[kind]
	m["systemData"] = sys
	props["provisioningState"] = "Succeeded"
	if kind == "environments" {
		props["environmentType"] = "UserCreated"
	}
	if s.assets == nil {
		s.assets = map[string]map[string]any{}
	}
	s.assets[key] = m
	s.writeJSON(c.w, status, m)
}

// getAssetVersion answers CodeVersions_Get and EnvironmentVersions_Get.
func (s *Server) getAssetVersion(c *call, kind string) {
	m, ok := s.assets[assetKey(c.wsID, kind, c.params["name"], c.params["version"])]
	if !ok {
		s.writeError(c.w, http.StatusNotFound, "ResourceNotFound",
			fmt.Sprintf("The Resource 'Microsoft.MachineLearningServices/workspaces/%s/%s/versions/%s' was not found.", kind, c.params["name"], c.params["version"]))
		return
	}
	s.writeJSON(c.w, http.StatusOK, m)
}
