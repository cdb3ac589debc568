package aciemu

import (
	"net/http"
	"time"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// Failure is the error a failed operation reports (its CloudError code and message).
type Failure struct {
	// Code and Message are the operation's error.code and error.message.
	Code, Message string
}

// operation is a create or delete operation's monitor (Azure-AsyncOperation). Its fields are
// guarded by Emulator.mu.
type operation struct {
	id       string
	groupID  string
	location string
	sub      string
	status   string // the status reported while it runs
	start    time.Time
	end      time.Time
	done     bool
	failed   *Failure
	events   func() []any // the group's and its containers' events, for the status body
	injected *Failure     // a failure to report instead of provisioning (FailNextCreation)
}

// newOperation registers an operation on g; e.mu must be held.
func (e *Emulator) newOperation(g *group, status string) *operation {
	op := &operation{id: randomHex(16), groupID: g.id, location: g.spec.location, sub: g.sub, status: status, start: time.Now().UTC()}
	op.events = func() []any {
		all := append([]*event(nil), g.events...)
		for _, c := range g.containers {
			all = append(all, c.events...)
		}
		return renderEvents(all)
	}
	e.ops[op.id] = op
	return op
}

// finish ends the operation (f nil: Succeeded); e.mu must be held.
func (op *operation) finish(f *Failure) {
	if op.done {
		return
	}
	op.done, op.failed, op.end = true, f, time.Now().UTC()
}

// operationURL is the operation's Azure-AsyncOperation URL.
func (e *Emulator) operationURL(g *group, op *operation) string {
	return e.arm.URL() + "/subscriptions/" + g.sub + "/providers/Microsoft.ContainerInstance/locations/" + op.location +
		"/operations/" + op.id + "?api-version=" + APIVersion
}

// operationStatus answers an Azure-AsyncOperation monitor as ACI does: {id (the group's),
// status, startTime, endTime, properties.events, error}.
func (e *Emulator) operationStatus(c *armfake.Call) {
	e.mu.Lock()
	defer e.mu.Unlock()
	op := e.ops[c.Params["operationId"]]
	if op == nil {
		e.arm.WriteError(c.W, http.StatusNotFound, "OperationNotFound", "The operation '"+c.Params["operationId"]+"' was not found.")
		return
	}
	body := map[string]any{"id": op.groupID, "status": op.status, "startTime": op.start.Format(time.RFC3339Nano),
		"properties": map[string]any{"events": op.events()}}
	if op.done {
		body["endTime"] = op.end.Format(time.RFC3339Nano)
		body["status"] = "Succeeded"
		if op.failed != nil {
			body["status"] = "Failed"
			body["error"] = map[string]any{"code": op.failed.Code, "message": op.failed.Message}
		}
	}
	e.arm.WriteJSON(c.W, http.StatusOK, body)
}
