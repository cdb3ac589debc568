package aciemu

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/amlgo/amlgo/internal/arm/armfake"
	"github.com/amlgo/amlgo/internal/dockerexec"
)

// stopGroup answers ContainerGroups_Stop (not an LRO: 204 once stopped): the running containers
// get SIGTERM, then SIGKILL after StopGrace; the group's state becomes Stopped. The engine
// containers stay (their logs readable) until the group is deleted.
func (e *Emulator) stopGroup(c *armfake.Call) {
	rg, name := c.Params["resourceGroupName"], c.Params["containerGroupName"]
	id := groupID(c.Params["subscriptionId"], rg, name)
	e.mu.Lock()
	g := e.groups[key(id)]
	if g == nil {
		e.mu.Unlock()
		e.notFound(c.W, rg, name)
		return
	}
	if g.provisioning == "Deleting" {
		e.mu.Unlock()
		e.arm.WriteError(c.W, http.StatusConflict, "ContainerGroupTransitioning",
			fmt.Sprintf("The container group '%s' is still transitioning, please retry later.", name))
		return
	}
	g.cancel()
	e.mu.Unlock()
	<-g.done
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.StopGrace+time.Minute)
	defer cancel()
	for _, ct := range g.containers {
		if err := e.stopContainer(ctx, g, ct); err != nil {
			e.arm.WriteError(c.W, http.StatusInternalServerError, "InternalServerError", err.Error())
			return
		}
	}
	e.update(func() {
		if !g.op.done { // stopped while it was being created: the creation is canceled
			g.op.finish(&Failure{Code: "Canceled", Message: fmt.Sprintf("The container group '%s' was stopped before it was created.", name)})
			g.provisioning = "Canceled"
		}
		g.state = "Stopped"
	})
	c.W.WriteHeader(http.StatusNoContent)
}

// stopContainer stops a running engine container and records its end.
func (e *Emulator) stopContainer(ctx context.Context, g *group, ct *ctr) error {
	eng := e.opts.Docker
	st, err := eng.Inspect(ctx, ct.engine)
	if err != nil {
		return err
	}
	if !st.Exists {
		return nil
	}
	if st.Running {
		e.update(func() {
			addEvent(&ct.events, "Killing", "Normal", "Killing container with id "+shortID(ct.engineID)+".")
		})
		if err := eng.Kill(ctx, ct.engine, "SIGTERM"); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, e.opts.StopGrace)
		werr := eng.WaitNotRunning(wctx, ct.engine)
		cancel()
		if werr != nil {
			if err := eng.Kill(ctx, ct.engine, "SIGKILL"); err != nil {
				return err
			}
			if err := eng.WaitNotRunning(ctx, ct.engine); err != nil {
				return err
			}
		}
		if st, err = eng.Inspect(ctx, ct.engine); err != nil {
			return err
		}
	}
	e.update(func() {
		if ct.current == nil || ct.current.State != "Terminated" {
			e.terminated(ct, st, "")
		}
	})
	return nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// listLogs answers Containers_ListLogs: the container's output from the engine, the last tail
// lines when tail is given, with the engine's timestamps when timestamps=true, and at most the
// last LogLimit bytes (4 MB, as ACI).
func (e *Emulator) listLogs(c *armfake.Call) {
	rg, name, cname := c.Params["resourceGroupName"], c.Params["containerGroupName"], c.Params["containerName"]
	q := c.R.URL.Query()
	var tail *int
	if v := q.Get("tail"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			e.arm.WriteError(c.W, http.StatusBadRequest, "InvalidRequestParameter", fmt.Sprintf("The value '%s' of the query parameter 'tail' is invalid: it must be a non-negative integer.", v))
			return
		}
		tail = &n
	}
	timestamps := false
	if v := q.Get("timestamps"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.arm.WriteError(c.W, http.StatusBadRequest, "InvalidRequestParameter", fmt.Sprintf("The value '%s' of the query parameter 'timestamps' is invalid: it must be true or false.", v))
			return
		}
		timestamps = b
	}
	e.mu.Lock()
	g := e.groups[key(groupID(c.Params["subscriptionId"], rg, name))]
	var ct *ctr
	if g != nil {
		for _, x := range g.containers {
			if x.spec.name == cname {
				ct = x
			}
		}
	}
	var engine string
	created := false
	if ct != nil {
		engine, created = ct.engine, ct.engineID != ""
	}
	limit := e.opts.LogLimit
	e.mu.Unlock()
	switch {
	case g == nil:
		e.notFound(c.W, rg, name)
		return
	case ct == nil:
		e.arm.WriteError(c.W, http.StatusNotFound, "ContainerNotFound", fmt.Sprintf("The container '%s' could not be found in container group '%s'.", cname, name))
		return
	case !created:
		e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{"content": ""})
		return
	}
	buf := &lastBytes{max: limit}
	if err := e.opts.Docker.Logs(c.R.Context(), engine, buf, &dockerexec.LogsOptions{Tail: tail, Timestamps: timestamps}); err != nil {
		e.arm.WriteError(c.W, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	e.arm.WriteJSON(c.W, http.StatusOK, map[string]any{"content": buf.String()})
}

// lastBytes keeps the last max bytes written to it.
type lastBytes struct {
	max int
	b   []byte
}

func (l *lastBytes) Write(p []byte) (int, error) {
	n := len(p)
	l.b = append(l.b, p...)
	if len(l.b) > 2*l.max {
		l.b = append(l.b[:0], l.b[len(l.b)-l.max:]...)
	}
	return n, nil
}

// String is the kept bytes, starting at a whole UTF-8 character.
func (l *lastBytes) String() string {
	b := l.b
	if len(b) > l.max {
		b = b[len(b)-l.max:]
		for len(b) > 0 && !utf8.RuneStart(b[0]) {
			b = b[1:]
		}
	}
	return string(b)
}
