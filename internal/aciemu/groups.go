package aciemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// group is a stored container group. Its fields are guarded by Emulator.mu.
type group struct {
	id, sub, rg, name string
	spec              *spec
	// body is the PUT body without secrets: what GET returns, plus the state below.
	body         map[string]any
	provisioning string // Pending, Creating, Succeeded, Failed, Deleting
	state        string // the instance view's state: Pending, Running, Succeeded, Failed, Stopped
	events       []*event
	containers   []*ctr
	op           *operation // the running create or delete operation
	cancel       context.CancelFunc
	done         chan struct{} // closed when the runner has returned
}

// ctr is one container of a group.
type ctr struct {
	spec         containerSpec
	engine       string // the engine container's name
	engineID     string
	restartCount int
	current      *cstate
	previous     *cstate
	events       []*event
}

// cstate is a container's state in the instance view.
type cstate struct {
	State      string
	Start      time.Time
	Finish     time.Time
	ExitCode   *int
	DetailStat string
}

// event is an instance view event: repeats of one name and message raise its count.
type event struct {
	Count       int
	First, Last time.Time
	Name        string
	Message     string
	Type        string
}

// addEvent records an event, or counts a repeat of the last one with the same name and message.
func addEvent(list *[]*event, name, typ, message string) {
	now := time.Now().UTC()
	for _, ev := range *list {
		if ev.Name == name && ev.Message == message {
			ev.Count++
			ev.Last = now
			return
		}
	}
	*list = append(*list, &event{Count: 1, First: now, Last: now, Name: name, Message: message, Type: typ})
}

// putGroup answers ContainerGroups_CreateOrUpdate: 201 (200 for an update of an existing group)
// with the group in provisioningState Pending and an Azure-AsyncOperation header; its
// containers then start on the engine. As ACI documents it, an update restarts the containers
// (even when no property changed), and a group still transitioning, one that has terminated
// (state Succeeded or Failed) or an update of a property that cannot be updated is refused.
func (e *Emulator) putGroup(c *armfake.Call) {
	sub, rg, name := c.Params["subscriptionId"], c.Params["resourceGroupName"], c.Params["containerGroupName"]
	sp, bad := e.validate(name, c.Body)
	if bad != nil {
		e.arm.WriteError(c.W, bad.status, bad.code, bad.message)
		return
	}
	for _, s := range sp.secrets {
		e.arm.AddSecretLocked(s)
	}
	id := groupID(sub, rg, name)
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.groups[key(id)]
	status := http.StatusCreated
	if old != nil {
		if bad := updateRefusal(old, sp); bad != nil {
			e.arm.WriteError(c.W, bad.status, bad.code, bad.message)
			return
		}
		// An update (even to the same properties) restarts the containers: the old ones are
		// stopped and removed first.
		status = http.StatusOK
		old.cancel()
	}
	g := &group{id: id, sub: sub, rg: rg, name: name, spec: sp, body: storedBody(c.Body),
		provisioning: "Pending", state: "Pending"}
	for _, cs := range sp.containers {
		g.containers = append(g.containers, &ctr{spec: cs, engine: e.engineName(rg, name, cs.name)})
	}
	g.body["location"] = sp.location
	g.op = e.newOperation(g, "Creating")
	if f := e.fail; f != nil {
		e.fail = nil
		g.op.injected = f
	}
	hold := e.holds[key(id)]
	delete(e.holds, key(id)) // it holds one creation
	ctx, cancel := context.WithCancel(e.ctx)
	g.cancel, g.done = cancel, make(chan struct{})
	e.groups[key(id)] = g
	e.notify()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer close(g.done)
		if old != nil {
			<-old.done
			e.removeContainers(old)
		}
		e.run(ctx, g, hold)
	}()
	c.W.Header().Set("Azure-AsyncOperation", e.operationURL(g, g.op))
	e.arm.WriteJSON(c.W, status, e.render(g))
}

// updateRefusal is why ACI refuses the update sp of group old, or nil; e.mu must be held.
func updateRefusal(old *group, sp *spec) *apiError {
	conflict := func(code, format string, args ...any) *apiError {
		return &apiError{status: http.StatusConflict, code: code, message: fmt.Sprintf(format, args...)}
	}
	switch {
	case old.provisioning == "Pending" || old.provisioning == "Creating" || old.provisioning == "Deleting":
		return conflict("ContainerGroupTransitioning", "The container group '%s' is still transitioning, please retry later.", old.name)
	case old.provisioning == "Succeeded" && (old.state == "Succeeded" || old.state == "Failed"):
		return conflict("ContainerGroupTerminated", "The container group '%s' has terminated (state '%s') and cannot be updated. Delete it and create it again.", old.name, old.state)
	}
	prop := ""
	switch {
	case old.spec.location != sp.location:
		prop = "location"
	case old.spec.osType != sp.osType:
		prop = "osType"
	case old.spec.restartPolicy != sp.restartPolicy:
		prop = "restartPolicy"
	}
	for _, oc := range old.spec.containers {
		for _, nc := range sp.containers {
			if prop == "" && oc.name == nc.name && (oc.cpu != nc.cpu || oc.memGB != nc.memGB) {
				prop = "the resources of container '" + nc.name + "'"
			}
		}
	}
	if prop != "" {
		return conflict("ContainerGroupUpdateNotAllowed", "The update of container group '%s' changes %s, which cannot be updated. Delete the container group and create it again.", old.name, prop)
	}
	return nil
}

// storedBody is the PUT body as GET returns it: secureValue and registry passwords removed.
func storedBody(body []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	delete(m, "id")
	props, _ := m["properties"].(map[string]any)
	for _, ci := range asList(props["containers"]) {
		cp, _ := ci.(map[string]any)["properties"].(map[string]any)
		for _, ev := range asList(cp["environmentVariables"]) {
			delete(ev.(map[string]any), "secureValue")
		}
		delete(cp, "instanceView")
	}
	for _, cr := range asList(props["imageRegistryCredentials"]) {
		delete(cr.(map[string]any), "password")
	}
	delete(props, "instanceView")
	delete(props, "provisioningState")
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	out := l[:0:0]
	for _, x := range l {
		if _, ok := x.(map[string]any); ok {
			out = append(out, x)
		}
	}
	return out
}

// engineName is the engine container of a group's container: unique per emulator.
func (e *Emulator) engineName(rg, group, container string) string {
	safe := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
				return r
			}
			return '_'
		}, s)
	}
	return "aciemu-" + e.id + "-" + safe(rg) + "-" + group + "-" + container
}

// getGroup answers ContainerGroups_Get.
func (e *Emulator) getGroup(c *armfake.Call) {
	rg, name := c.Params["resourceGroupName"], c.Params["containerGroupName"]
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[key(groupID(c.Params["subscriptionId"], rg, name))]
	if g == nil {
		e.notFound(c.W, rg, name)
		return
	}
	e.arm.WriteJSON(c.W, http.StatusOK, e.render(g))
}

// listGroups answers ContainerGroups_ListByResourceGroup and ContainerGroups_List (one page).
func (e *Emulator) listGroups(c *armfake.Call) {
	prefix := "/subscriptions/" + c.Params["subscriptionId"] + "/"
	if rg := c.Params["resourceGroupName"]; rg != "" {
		prefix += "resourcegroups/" + rg + "/"
	}
	prefix = key(prefix)
	e.mu.Lock()
	defer e.mu.Unlock()
	var keys []string
	for k := range e.groups {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	items := make([]any, 0, len(keys))
	for _, k := range keys {
		items = append(items, e.render(e.groups[k]))
	}
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{"value": items})
}

// deleteGroup answers ContainerGroups_Delete: 204 for a group that does not exist, else 202
// with an Azure-AsyncOperation header; the containers are stopped and removed, then the group.
func (e *Emulator) deleteGroup(c *armfake.Call) {
	rg, name := c.Params["resourceGroupName"], c.Params["containerGroupName"]
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[key(groupID(c.Params["subscriptionId"], rg, name))]
	if g == nil {
		c.W.WriteHeader(http.StatusNoContent)
		return
	}
	if g.provisioning != "Deleting" {
		g.provisioning = "Deleting"
		if g.op != nil && !g.op.done {
			g.op.finish(&Failure{Code: "Canceled", Message: "The container group was deleted."})
		}
		op := e.newOperation(g, "Deleting")
		g.op = op
		g.cancel()
		e.notify()
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			<-g.done
			e.removeContainers(g)
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.groups[key(g.id)] == g {
				delete(e.groups, key(g.id))
			}
			op.finish(nil)
			e.notify()
		}()
	}
	c.W.Header().Set("Azure-AsyncOperation", e.operationURL(g, g.op))
	c.W.WriteHeader(http.StatusAccepted)
}

// render is a group as GET returns it; e.mu must be held.
func (e *Emulator) render(g *group) map[string]any {
	b, _ := json.Marshal(g.body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["id"], m["name"], m["type"] = g.id, g.name, cgType
	props, _ := m["properties"].(map[string]any)
	props["provisioningState"] = g.provisioning
	if _, ok := props["restartPolicy"]; !ok {
		props["restartPolicy"] = g.spec.restartPolicy
	}
	if _, ok := props["sku"]; !ok {
		props["sku"] = "Standard"
	}
	props["instanceView"] = map[string]any{"state": g.state, "events": renderEvents(g.events)}
	for i, ci := range asList(props["containers"]) {
		if i >= len(g.containers) {
			break
		}
		cp, _ := ci.(map[string]any)["properties"].(map[string]any)
		if cp == nil {
			continue
		}
		if _, ok := cp["command"]; !ok {
			cp["command"] = []any{}
		}
		if _, ok := cp["environmentVariables"]; !ok {
			cp["environmentVariables"] = []any{}
		}
		if iv := renderContainer(g.containers[i]); iv != nil {
			cp["instanceView"] = iv
		}
	}
	return m
}

func renderContainer(c *ctr) map[string]any {
	if c.current == nil && len(c.events) == 0 {
		return nil
	}
	iv := map[string]any{"restartCount": c.restartCount, "events": renderEvents(c.events)}
	if c.current != nil {
		iv["currentState"] = renderState(c.current)
	}
	if c.previous != nil {
		iv["previousState"] = renderState(c.previous)
	}
	return iv
}

func renderState(s *cstate) map[string]any {
	m := map[string]any{"state": s.State, "detailStatus": s.DetailStat}
	if !s.Start.IsZero() {
		m["startTime"] = s.Start.Format(time.RFC3339Nano)
	}
	if !s.Finish.IsZero() {
		m["finishTime"] = s.Finish.Format(time.RFC3339Nano)
	}
	if s.ExitCode != nil {
		m["exitCode"] = *s.ExitCode
	}
	return m
}

func renderEvents(evs []*event) []any {
	out := make([]any, 0, len(evs))
	for _, ev := range evs {
		out = append(out, map[string]any{
			"count": ev.Count, "firstTimestamp": ev.First.Format(time.RFC3339Nano), "lastTimestamp": ev.Last.Format(time.RFC3339Nano),
			"name": ev.Name, "message": ev.Message, "type": ev.Type,
		})
	}
	return out
}
