package aciemu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/amlgo/amlgo/internal/dockerexec"
)

// update changes the emulator's state under its lock and wakes the waiters.
func (e *Emulator) update(fn func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn()
	e.notify()
}

// run provisions g (pulls every image, creates and starts the containers) and then follows its
// containers until they have all exited or ctx ends (stop, delete, update, Close).
func (e *Emulator) run(ctx context.Context, g *group, hold chan struct{}) {
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return
		}
	}
	var injected *Failure
	e.update(func() {
		injected = g.op.injected
		if !g.op.done {
			g.provisioning = "Creating"
		}
	})
	if injected != nil {
		e.failProvisioning(g, *injected, injected.Code)
		return
	}
	for _, c := range g.containers {
		if !e.pull(ctx, g, c) {
			return
		}
	}
	for _, c := range g.containers {
		if err := e.start(ctx, g, c); err != nil {
			if ctx.Err() == nil {
				e.update(func() { addEvent(&c.events, "Failed", "Warning", "Error: "+err.Error()) })
				e.failProvisioning(g, Failure{Code: "Failed", Message: err.Error()}, "")
			}
			return
		}
	}
	e.update(func() {
		g.provisioning, g.state = "Succeeded", "Running"
		g.op.finish(nil)
	})
	var wg sync.WaitGroup
	for _, c := range g.containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.follow(ctx, g, c)
		}()
	}
	wg.Wait()
}

// failProvisioning ends g's creation Failed with f, recording a Warning event named groupEvent
// on the group when it is not "".
func (e *Emulator) failProvisioning(g *group, f Failure, groupEvent string) {
	e.update(func() {
		if groupEvent != "" {
			addEvent(&g.events, groupEvent, "Warning", f.Message)
		}
		g.provisioning = "Failed"
		g.op.finish(&f)
	})
}

// pull pulls c's image with the group's credentials for its registry, recording ACI's events;
// after the last failed attempt the group's provisioning fails and pull returns false.
func (e *Emulator) pull(ctx context.Context, g *group, c *ctr) bool {
	img := c.spec.image
	reg := registryFor(img, g.spec.creds)
	for attempt := 1; ; attempt++ {
		e.update(func() {
			addEvent(&c.events, "Pulling", "Normal", fmt.Sprintf("pulling image %q", img))
			c.current = &cstate{State: "Waiting"}
		})
		err := e.opts.Docker.PullImage(ctx, img, reg)
		if err == nil {
			e.update(func() { addEvent(&c.events, "Pulled", "Normal", fmt.Sprintf("Successfully pulled image %q", img)) })
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		text := err.Error()
		var pe *dockerexec.PullError
		if errors.As(err, &pe) {
			text = pe.Text
		}
		msg := fmt.Sprintf("Failed to pull image %q: %s", img, text)
		e.update(func() {
			addEvent(&c.events, "Failed", "Warning", msg)
			c.current = &cstate{State: "Waiting", DetailStat: "ErrImagePull"}
		})
		if attempt >= e.opts.PullAttempts {
			e.failProvisioning(g, Failure{Code: "Failed", Message: msg}, "")
			return false
		}
		e.update(func() {
			addEvent(&c.events, "BackOff", "Normal", fmt.Sprintf("Back-off pulling image %q", img))
			c.current.DetailStat = "ImagePullBackOff"
		})
		t := time.NewTimer(e.opts.PullBackOff)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// registryFor returns the credentials whose server is image's registry (none: anonymous).
func registryFor(image string, creds []credential) dockerexec.Registry {
	host := "docker.io"
	if first, _, ok := strings.Cut(image, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		host = first
	}
	for _, c := range creds {
		if strings.EqualFold(c.server, host) || host == "docker.io" && strings.EqualFold(c.server, "index.docker.io") {
			return dockerexec.Registry{Address: c.server, Username: c.username, Password: c.password}
		}
	}
	return dockerexec.Registry{}
}

// start creates and starts c's engine container.
func (e *Emulator) start(ctx context.Context, g *group, c *ctr) error {
	eng := e.opts.Docker
	if err := eng.Remove(ctx, c.engine); err != nil { // a leftover of an earlier incarnation
		return err
	}
	spec := dockerexec.ContainerSpec{
		Name: c.engine, Image: c.spec.image, Entrypoint: c.spec.command, Env: c.spec.env, NetworkMode: e.opts.Network,
		Labels:   map[string]string{LabelEmulator: e.id, LabelGroup: key(g.id), LabelContainer: c.spec.name, LabelOwner: ownerPID},
		NanoCPUs: int64(min(c.spec.cpu, e.ncpu) * 1e9), Memory: int64(c.spec.memGB * (1 << 30)), StopTimeout: e.opts.StopGrace,
	}
	id, err := eng.CreateContainer(ctx, spec)
	if err != nil {
		return err
	}
	e.update(func() {
		c.engineID = id
		addEvent(&c.events, "Created", "Normal", "Created container")
	})
	if err := eng.StartContainer(ctx, c.engine); err != nil {
		return err
	}
	st, err := eng.Inspect(ctx, c.engine)
	if err != nil {
		return err
	}
	e.update(func() {
		addEvent(&c.events, "Started", "Normal", "Started container")
		c.current = &cstate{State: "Running", Start: st.StartedAt}
	})
	return nil
}

// follow waits for c to exit and records its terminal state; the group's state follows its
// containers'.
func (e *Emulator) follow(ctx context.Context, g *group, c *ctr) {
	if err := e.opts.Docker.WaitNotRunning(ctx, c.engine); err != nil {
		return
	}
	st, err := e.opts.Docker.Inspect(ctx, c.engine)
	if err != nil || ctx.Err() != nil {
		return
	}
	e.update(func() {
		e.terminated(c, st, "")
		g.state = groupState(g)
	})
}

// terminated records the engine's final state of c; detail overrides the detailStatus.
func (e *Emulator) terminated(c *ctr, st *dockerexec.ContainerState, detail string) {
	start := time.Time{}
	if c.current != nil {
		start = c.current.Start
	}
	s := &cstate{State: "Terminated", Start: start, Finish: st.FinishedAt}
	if !st.Exists {
		s.DetailStat = "Error"
		c.current = s
		return
	}
	code := st.ExitCode
	s.ExitCode = &code
	switch {
	case detail != "":
		s.DetailStat = detail
	case st.OOMKilled:
		s.DetailStat = "OOMKilled"
	case code == 0:
		s.DetailStat = "Completed"
	default:
		s.DetailStat = "Error"
	}
	if s.Finish.IsZero() {
		s.Finish = time.Now().UTC()
	}
	if s.Finish.Before(s.Start) {
		// The engine can stamp a very short-lived container's start after its exit.
		s.Finish = s.Start
	}
	c.current = s
}

// groupState is a restartPolicy Never group's state once its containers ran: Running while one
// runs, else Succeeded when every one exited 0, else Failed.
func groupState(g *group) string {
	failed := false
	for _, c := range g.containers {
		if c.current == nil || c.current.State != "Terminated" {
			return "Running"
		}
		if c.current.ExitCode == nil || *c.current.ExitCode != 0 {
			failed = true
		}
	}
	if failed {
		return "Failed"
	}
	return "Succeeded"
}

// removeContainers removes g's engine containers (killing those that run).
func (e *Emulator) removeContainers(g *group) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range g.containers {
		_ = e.opts.Docker.Remove(ctx, c.engine)
	}
}
