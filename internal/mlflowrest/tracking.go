package mlflowrest

import (
	"fmt"
	"net/url"
	"strings"
)

// TrackingBase returns the REST API root of an MLflow tracking URI:
//
//   - azureml://{host}/mlflow/v1.0/{scope} (a workspace's mlFlowTrackingUri, or a job's
//     Tracking endpoint, which ends with "?") becomes https://{host}/mlflow/v2.0/{scope}: the
//     scheme becomes https, v1.0 becomes v2.0 (MLflow 2 and later speak v2.0), the query and
//     fragment are dropped. The path must start with /mlflow/v1.0 or /mlflow/v2.0.
//   - https://{host}/mlflow/v1.0/{scope} gets the same v1.0 → v2.0 change; any other https://
//     URL, and every http:// URL (a local MLflow server), is kept as it is.
//
// In every case the query, the fragment and trailing slashes are dropped. Other schemes
// (file:, sqlite:, databricks) have no REST root and are an error, as are user credentials in
// the URL (MLflow takes them from its own variables, never from the URI).
func TrackingBase(trackingURI string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(trackingURI))
	if err != nil {
		return "", fmt.Errorf("mlflowrest: tracking URI: %w", err)
	}
	if u.User != nil {
		return "", fmt.Errorf("mlflowrest: tracking URI %s: credentials in the URI are not supported", u.Redacted())
	}
	if u.Host == "" {
		return "", fmt.Errorf("mlflowrest: tracking URI %q has no host", trackingURI)
	}
	scheme := strings.ToLower(u.Scheme)
	path := strings.TrimRight(u.EscapedPath(), "/")
	switch scheme {
	case "azureml":
		rest, ok := cutMLflowVersion(path)
		if !ok {
			return "", fmt.Errorf("mlflowrest: tracking URI %q: an azureml:// URI's path starts with /mlflow/v1.0 or /mlflow/v2.0", trackingURI)
		}
		scheme, path = "https", "/mlflow/v2.0"+rest
	case "https":
		if rest, ok := cutMLflowVersion(path); ok {
			path = "/mlflow/v2.0" + rest
		}
	case "http":
	default:
		return "", fmt.Errorf("mlflowrest: tracking URI %q: scheme %q has no REST API (want azureml, https or http)", trackingURI, u.Scheme)
	}
	return scheme + "://" + u.Host + path, nil
}

// cutMLflowVersion returns what follows /mlflow/v1.0 or /mlflow/v2.0 at the start of path.
func cutMLflowVersion(path string) (string, bool) {
	for _, v := range []string{"/mlflow/v1.0", "/mlflow/v2.0"} {
		if rest, ok := strings.CutPrefix(path, v); ok && (rest == "" || rest[0] == '/') {
			return rest, true
		}
	}
	return "", false
}
