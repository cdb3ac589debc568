package amlemu

import (
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// runDetails answers run history's GET .../runs/{runId}/details: the status, times, error and
// logFiles (a read SAS URL per log blob that exists yet; runId is the job name).
func (e *Emulator) runDetails(c *armfake.Call) {
	e.mu.Lock()
	j := e.jobs[jobKey(c.WorkspaceID, c.Params["runId"])]
	e.mu.Unlock()
	if j == nil {
		e.arm.WriteError(c.W, http.StatusNotFound, "UserError", "Run "+c.Params["runId"]+" not found.")
		return
	}
	d := map[string]any{"runId": j.name, "status": j.status, "target": "", "logFiles": map[string]string{}}
	if !j.started.IsZero() {
		d["startTimeUtc"] = j.started.Format(time.RFC3339Nano)
	}
	if !j.ended.IsZero() {
		d["endTimeUtc"] = j.ended.Format(time.RFC3339Nano)
	}
	if j.status == "Failed" {
		d["error"] = map[string]any{"error": map[string]any{"code": j.errCode, "message": j.errMessage}}
	}
	if j.logBlob != "" {
		u, err := e.containerSAS(ArtifactContainer, sas.ContainerPermissions{Read: true}, 30*time.Minute)
		if err == nil {
			base, query := splitQuery(u)
			d["logFiles"] = map[string]string{"user_logs/std_log.txt": base + "/" + j.logBlob + "?" + query}
		}
	}
	e.arm.WriteJSON(c.W, http.StatusOK, d)
}

func splitQuery(u string) (string, string) {
	for i := 0; i < len(u); i++ {
		if u[i] == '?' {
			return u[:i], u[i+1:]
		}
	}
	return u, ""
}
