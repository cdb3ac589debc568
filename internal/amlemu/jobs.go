package amlemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// jobName is the spec's pattern of a job id.
var jobName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$`)

// Terminal job statuses.
var terminal = map[string]bool{"Completed": true, "Failed": true, "Canceled": true}

// job is one job and its runner's state. Its fields are guarded by the ARM server's lock.
type job struct {
	wsID, name string
	body       map[string]any
	status     string
	errCode    string
	errMessage string
	started    time.Time // when it started running
	ended      time.Time
	logBlob    string // the std_log blob, once it exists
	cancel     chan struct{}
	canceling  bool
	cancelOps  []string
}

func jobKey(wsID, name string) string { return strings.ToLower(wsID + "/" + name) }

// putJob answers Jobs_CreateOrUpdate for CommandJobs: 201 and a queued job; a PUT of an
// existing job replaces its tags only (200), so a retried submit never starts a second job.
func (e *Emulator) putJob(c *armfake.Call) {
	name := c.Params["id"]
	if !jobName.MatchString(name) {
		e.arm.WriteError(c.W, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The job name %q does not match the pattern %s.", name, jobName))
		return
	}
	var body map[string]any
	if err := json.Unmarshal(c.Body, &body); err != nil {
		e.arm.WriteError(c.W, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	props, _ := body["properties"].(map[string]any)
	if props == nil {
		e.arm.WriteError(c.W, http.StatusBadRequest, "BadRequest", "properties is required")
		return
	}
	key := jobKey(c.WorkspaceID, name)
	e.mu.Lock()
	old := e.jobs[key]
	e.mu.Unlock()
	if old != nil {
		if tags, ok := props["tags"]; ok {
			old.body["properties"].(map[string]any)["tags"] = tags
		}
		e.arm.WriteJSON(c.W, http.StatusOK, e.jobView(old))
		return
	}
	if msg := e.validateCommandJob(c.WorkspaceID, props); msg != "" {
		e.arm.WriteError(c.W, http.StatusBadRequest, "UserError", msg)
		return
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	body["id"] = c.WorkspaceID + "/jobs/" + name
	body["name"] = name
	body["type"] = "Microsoft.MachineLearningServices/workspaces/jobs"
	body["systemData"] = map[string]any{"createdAt": now, "createdBy": "amlemu", "createdByType": "User"}
	if _, ok := props["experimentName"]; !ok {
		props["experimentName"] = "Default"
	}
	props["services"] = map[string]any{
		"Tracking": map[string]any{"jobServiceType": "Tracking", "endpoint": e.MLflowBase(c.WorkspaceID) + "?"},
		"Studio":   map[string]any{"jobServiceType": "Studio", "endpoint": "https://ml.azure.com/runs/" + name},
	}
	j := &job{wsID: c.WorkspaceID, name: name, body: body, status: "NotStarted", cancel: make(chan struct{})}
	e.mu.Lock()
	e.jobs[key] = j
	e.mu.Unlock()
	e.wg.Add(1)
	go e.run(j)
	e.arm.WriteJSON(c.W, http.StatusCreated, e.jobView(j))
}

// validateCommandJob checks what the service checks before queueing: the job type, the
// command, the environment, the code and the compute.
func (e *Emulator) validateCommandJob(wsID string, props map[string]any) string {
	if t := str(props["jobType"]); t != "Command" {
		return fmt.Sprintf("jobType %q is not supported by the emulator (Command only).", t)
	}
	if strings.TrimSpace(str(props["command"])) == "" {
		return "command is required and must not be empty."
	}
	if _, _, ok := e.asset(wsID, "environments", str(props["environmentId"])); !ok {
		return fmt.Sprintf("environmentId %q does not name an environment version of this workspace.", str(props["environmentId"]))
	}
	if code := str(props["codeId"]); code != "" {
		if _, _, ok := e.asset(wsID, "codes", code); !ok {
			return fmt.Sprintf("codeId %q does not name a code version of this workspace.", code)
		}
	}
	compute := str(props["computeId"])
	prefix := strings.ToLower(wsID + "/computes/")
	if !strings.HasPrefix(strings.ToLower(compute), prefix) {
		return fmt.Sprintf("computeId %q is not a compute of this workspace.", compute)
	}
	cb := e.arm.ComputeLocked(wsID, compute[len(prefix):])
	if cb == nil {
		return fmt.Sprintf("Compute %s not found.", compute[len(prefix):])
	}
	if cp, _ := cb["properties"].(map[string]any); str(cp["computeType"]) != "AmlCompute" {
		return fmt.Sprintf("Compute %s is not an AmlCompute cluster.", compute[len(prefix):])
	}
	return ""
}

// asset finds the asset version an ARM id names: .../{kind}/{name}/versions/{version}.
func (e *Emulator) asset(wsID, kind, id string) (map[string]any, string, bool) {
	prefix := strings.ToLower(wsID + "/" + kind + "/")
	if !strings.HasPrefix(strings.ToLower(id), prefix) {
		return nil, "", false
	}
	name, version, ok := strings.Cut(id[len(prefix):], "/versions/")
	if !ok {
		return nil, "", false
	}
	a := e.arm.AssetLocked(wsID, kind, name, version)
	return a, name, a != nil
}

// jobView is the job's resource as GET returns it.
func (e *Emulator) jobView(j *job) map[string]any {
	b, _ := json.Marshal(j.body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	v["properties"].(map[string]any)["status"] = j.status
	return v
}

func (e *Emulator) lookup(c *armfake.Call) *job {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.jobs[jobKey(c.WorkspaceID, c.Params["id"])]
}

func (e *Emulator) getJob(c *armfake.Call) {
	j := e.lookup(c)
	if j == nil {
		e.arm.WriteError(c.W, http.StatusNotFound, "UserError", fmt.Sprintf("Job %s not found.", c.Params["id"]))
		return
	}
	e.arm.WriteJSON(c.W, http.StatusOK, e.jobView(j))
}

func (e *Emulator) listJobs(c *armfake.Call) {
	e.mu.Lock()
	var js []*job
	for _, j := range e.jobs {
		if strings.EqualFold(j.wsID, c.WorkspaceID) {
			js = append(js, j)
		}
	}
	e.mu.Unlock()
	sort.Slice(js, func(a, b int) bool { return js[a].name < js[b].name })
	items := []any{}
	for _, j := range js {
		items = append(items, e.jobView(j))
	}
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{"value": items})
}

// cancelJob answers Jobs_Cancel: 200 for a job already ended, else CancelRequested and 202
// with a Location the client polls until the job is Canceled.
func (e *Emulator) cancelJob(c *armfake.Call) {
	j := e.lookup(c)
	if j == nil {
		e.arm.WriteError(c.W, http.StatusNotFound, "UserError", fmt.Sprintf("Job %s not found.", c.Params["id"]))
		return
	}
	if terminal[j.status] {
		c.W.WriteHeader(http.StatusOK)
		return
	}
	if !j.canceling {
		j.canceling = true
		j.status = "CancelRequested"
		close(j.cancel)
	}
	op := randomHex(8)
	j.cancelOps = append(j.cancelOps, op)
	c.W.Header().Set("Location", e.arm.URL()+"/jobCancelOperations/"+op)
	c.W.Header().Set("Retry-After", "1")
	c.W.WriteHeader(http.StatusAccepted)
}

// cancelStatus answers the cancel LRO's Location: 202 until the job has ended, then 200.
func (e *Emulator) cancelStatus(c *armfake.Call) {
	e.mu.Lock()
	var found *job
	for _, j := range e.jobs {
		for _, op := range j.cancelOps {
			if op == c.Params["op"] {
				found = j
			}
		}
	}
	e.mu.Unlock()
	switch {
	case found == nil:
		e.arm.WriteError(c.W, http.StatusNotFound, "NotFound", "no such operation")
	case terminal[found.status]:
		c.W.WriteHeader(http.StatusOK)
	default:
		c.W.Header().Set("Location", e.arm.URL()+"/jobCancelOperations/"+c.Params["op"])
		c.W.Header().Set("Retry-After", "1")
		c.W.WriteHeader(http.StatusAccepted)
	}
}

// setStatus moves a job (taking the ARM lock, as handlers read job state under it).
func (e *Emulator) setStatus(j *job, status string, update func(*job)) {
	e.arm.Lock()
	defer e.arm.Unlock()
	if terminal[j.status] {
		return
	}
	if j.status == "CancelRequested" && status != "Canceled" && !terminal[status] {
		return // a cancel in progress is not undone by the runner's next step
	}
	j.status = status
	if update != nil {
		update(j)
	}
}
