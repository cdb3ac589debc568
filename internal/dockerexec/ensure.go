package dockerexec

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
)

// buildTailLines is how much of a failed build's log its error carries.
const buildTailLines = 20

// inProcess serializes EnsureImage per image name within this process (Lock covers processes).
var inProcess sync.Map // image name -> *sync.Mutex

// EnsureImage makes the run's image present on the engine: when it exists (an earlier run made
// it, with the same content) nothing is pulled or built. Otherwise, under the lock, the base
// image is pulled with the spec's registry credentials when missing and, when the spec needs
// it, the image is built; output streams to opts.Log. opts may be nil.
func (e *Engine) EnsureImage(ctx context.Context, spec ImageSpec, opts *EnsureOptions) (*Image, error) {
	var o EnsureOptions
	if opts != nil {
		o = *opts
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if strings.TrimSpace(spec.BaseImage) == "" && spec.BaseDockerfile == "" {
		return nil, fmt.Errorf("%w: environment.docker.baseImage is empty; set a base image (e.g. %s) or a baseDockerfile",
			ErrImageNotFound, "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04")
	}
	img := &Image{Name: spec.Name()}
	if ok, err := e.HasImage(ctx, img.Name); err != nil || ok {
		return img, err
	}
	mu, _ := inProcess.LoadOrStore(img.Name, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if o.Lock != nil {
		fmt.Fprintf(o.Log, "Waiting for the image lock of %s\n", img.Name)
		unlock, err := o.Lock(ctx, img.Name)
		if err != nil {
			return nil, fmt.Errorf("docker image %s: taking the build lock: %w", img.Name, err)
		}
		defer unlock()
	}
	// Another run may have made it while this one waited.
	if ok, err := e.HasImage(ctx, img.Name); err != nil || ok {
		if ok {
			fmt.Fprintf(o.Log, "Image %s was made by another run meanwhile\n", img.Name)
		}
		return img, err
	}
	if spec.BaseDockerfile == "" {
		base := spec.BaseRef()
		ok, err := e.HasImage(ctx, base)
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := e.pull(ctx, base, spec.Registry, o.Log); err != nil {
				return nil, err
			}
			img.Pulled = true
		}
	}
	if !spec.NeedsBuild() {
		return img, nil
	}
	if err := e.build(ctx, spec, img.Name, o); err != nil {
		return nil, err
	}
	img.Built = true
	return img, nil
}

// pull pulls ref from its registry with reg's credentials.
func (e *Engine) pull(ctx context.Context, ref string, reg Registry, log io.Writer) error {
	fmt.Fprintf(log, "Pulling image %s from %s\n", ref, reg)
	resp, err := e.cli.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: reg.encodedAuth()})
	if err != nil {
		return e.pullError(ref, reg, err)
	}
	defer resp.Close()
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return e.pullError(ref, reg, err)
		}
		if msg.Error != nil {
			return e.pullError(ref, reg, errors.New(msg.Error.Message))
		}
		if msg.Status != "" && msg.Progress == nil {
			line := msg.Status
			if msg.ID != "" {
				line = msg.ID + ": " + line
			}
			fmt.Fprintln(log, line)
		}
	}
	e.log.DebugContext(ctx, "docker image pulled", "image", ref, "engine", e.host)
	return nil
}

// pullError names the image and registry and says whether it was the credentials or the name.
func (e *Engine) pullError(ref string, reg Registry, err error) error {
	if ctxErr := errors.Unwrap(err); ctxErr == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	text := redact(cleanEngineText(err), reg.Password)
	low := strings.ToLower(text)
	switch {
	case IsUnreachable(err) && !strings.Contains(low, "registry"):
		return e.engineError(err)
	case strings.Contains(low, "unauthorized") || strings.Contains(low, "authentication required") ||
		strings.Contains(low, "incorrect username or password") || strings.Contains(low, "denied"):
		return fmt.Errorf("%w: pulling %s from %s: %s; check environment.docker.baseImageRegistry (address, username, password)",
			ErrRegistryAuth, ref, reg, text)
	case strings.Contains(low, "not found") || strings.Contains(low, "manifest unknown") || strings.Contains(low, "does not exist") ||
		strings.Contains(low, "no such host") || strings.Contains(low, "name unknown"):
		return fmt.Errorf("%w: %s could not be pulled from %s: %s; check environment.docker.baseImage and baseImageRegistry.address",
			ErrImageNotFound, ref, reg, text)
	}
	return fmt.Errorf("docker: pulling %s from %s: %s", ref, reg, text)
}

// build builds spec as name, streaming the build output to o.Log.
func (e *Engine) build(ctx context.Context, spec ImageSpec, name string, o EnsureOptions) error {
	fmt.Fprintf(o.Log, "Building image %s\n", name)
	body, err := spec.buildContext()
	if err != nil {
		return err
	}
	bo := client.ImageBuildOptions{
		Tags:        []string{name},
		Dockerfile:  "Dockerfile",
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
		NetworkMode: o.NetworkMode,
		Labels:      map[string]string{"amlgo.image-recipe": imageRecipe},
	}
	if spec.Registry.Address != "" || spec.Registry.Username != "" {
		bo.AuthConfigs = map[string]registry.AuthConfig{spec.Registry.Address: spec.Registry.authConfig()}
	}
	res, err := e.cli.ImageBuild(ctx, body, bo)
	if err != nil {
		return e.buildError(name, spec.Registry, err, nil)
	}
	defer res.Body.Close()
	tail := newTail(buildTailLines)
	out := io.MultiWriter(o.Log, tail)
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var msg jsonstream.Message
		var raw struct {
			Error string `json:"error"`
		}
		line := sc.Bytes()
		if json.Unmarshal(line, &msg) != nil {
			continue
		}
		_ = json.Unmarshal(line, &raw)
		switch {
		case msg.Error != nil || raw.Error != "":
			text := raw.Error
			if msg.Error != nil && msg.Error.Message != "" {
				text = msg.Error.Message
			}
			fmt.Fprintln(out, redact(text, spec.Registry.Password))
			return e.buildError(name, spec.Registry, errors.New(text), tail)
		case msg.Stream != "":
			io.WriteString(out, redact(msg.Stream, spec.Registry.Password))
		case msg.Status != "" && msg.Progress == nil:
			fmt.Fprintln(out, msg.Status)
		}
	}
	if err := sc.Err(); err != nil {
		return e.buildError(name, spec.Registry, err, tail)
	}
	if ok, err := e.HasImage(ctx, name); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("%w: image %s: the engine reported no error but has no such image", ErrBuildFailed, name)
		}
		return err
	}
	e.log.DebugContext(ctx, "docker image built", "image", name, "engine", e.host)
	return nil
}

// buildError wraps ErrBuildFailed (or the pull errors, when it was the FROM image) with the
// end of the build log.
func (e *Engine) buildError(name string, reg Registry, err error, tail *tailBuffer) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	text := redact(cleanEngineText(err), reg.Password)
	low := strings.ToLower(text)
	if IsUnreachable(err) && tail == nil {
		return e.engineError(err)
	}
	if strings.Contains(low, "pull access denied") || strings.Contains(low, "unauthorized") || strings.Contains(low, "manifest unknown") ||
		strings.Contains(low, "not found: manifest") || strings.Contains(low, "authentication required") {
		return e.pullError("the base image of "+name, reg, err)
	}
	msg := fmt.Sprintf("%v: image %s: %s", ErrBuildFailed, name, text)
	if tail != nil && tail.String() != "" {
		msg += "\nThe end of the build log:\n" + tail.String()
	}
	return &buildFailure{msg: msg}
}

type buildFailure struct{ msg string }

func (b *buildFailure) Error() string        { return b.msg }
func (b *buildFailure) Is(target error) bool { return target == ErrBuildFailed }

// redact replaces secret in s.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "***")
}

// tailBuffer keeps the last n lines written to it.
type tailBuffer struct {
	n     int
	lines []string
	part  string
}

func newTail(n int) *tailBuffer { return &tailBuffer{n: n} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	s := t.part + string(p)
	parts := strings.Split(s, "\n")
	t.part = parts[len(parts)-1]
	for _, l := range parts[:len(parts)-1] {
		t.lines = append(t.lines, l)
		if len(t.lines) > t.n {
			t.lines = t.lines[1:]
		}
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	lines := t.lines
	if t.part != "" {
		lines = append(append([]string{}, lines...), t.part)
		if len(lines) > t.n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
