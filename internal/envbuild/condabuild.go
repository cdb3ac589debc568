package envbuild

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/amlgo/amlgo/conda"
)

// build creates env with tool. The caller holds the environment's lock.
//
// The environment is built directly into its final prefix: conda bakes the
// absolute prefix into shebangs and scripts, so building elsewhere and
// renaming would break them. Readiness is instead signalled by the ready
// marker, written last; a prefix without it is a leftover of an interrupted
// build and is removed first. On failure or cancellation the prefix is
// removed again, so only the control log remains.
func build(ctx context.Context, env condaEnv, deps *conda.Dependencies, tool condaTool, s settings, log *slog.Logger) (err error) {
	if _, statErr := os.Lstat(env.prefix); statErr == nil {
		fmt.Fprintf(s.controlLog, "Removing incomplete conda environment %s left by an interrupted build\n", env.prefix)
		log.DebugContext(ctx, "envbuild: removing stale prefix")
		if err := os.RemoveAll(env.prefix); err != nil {
			return fmt.Errorf("envbuild: remove incomplete environment %s: %w", env.prefix, err)
		}
	}
	defer func() {
		if err != nil {
			if rmErr := os.RemoveAll(env.prefix); rmErr != nil {
				err = errors.Join(err, fmt.Errorf("envbuild: remove failed environment %s: %w", env.prefix, rmErr))
			}
		}
	}()

	spec := deps.Serialize()
	specFile, err := writeSpecFile(env, spec)
	if err != nil {
		return err
	}
	defer os.Remove(specFile)

	args := tool.createArgs(env.prefix, specFile)
	fmt.Fprintf(s.controlLog, "Building conda environment %s with %s\n", env.name, tool.name)
	fmt.Fprintf(s.controlLog, "%s %s\n", tool.path, strings.Join(args, " "))
	log.DebugContext(ctx, "envbuild: build started", "tool", tool.path, "args", args)
	start := time.Now()

	out := newToolOutput(s.controlLog)
	runErr := runTool(ctx, tool.path, args, out)
	out.flush()
	elapsed := time.Since(start)

	if ctxErr := ctx.Err(); ctxErr != nil {
		fmt.Fprintf(s.controlLog, "Building conda environment %s was cancelled after %s\n", env.name, elapsed.Round(time.Millisecond))
		log.DebugContext(ctx, "envbuild: build cancelled", "elapsed", elapsed)
		return fmt.Errorf("envbuild: building conda environment %s: %w", env.name, ctxErr)
	}
	if runErr != nil {
		fmt.Fprintf(s.controlLog, "Building conda environment %s failed: %v\n", env.name, runErr)
		log.DebugContext(ctx, "envbuild: build failed", "elapsed", elapsed, "error", runErr)
		return &buildError{msg: fmt.Sprintf("envbuild: building conda environment %s with %s failed: %v%s",
			env.name, tool.name, runErr, formatTail(out.lastLines())), cause: runErr}
	}
	if _, statErr := os.Stat(env.python()); statErr != nil {
		return &buildError{msg: fmt.Sprintf("envbuild: %s created conda environment %s without %s (does the specification list python?)%s",
			tool.name, env.name, env.python(), formatTail(out.lastLines())), cause: statErr}
	}
	if err := writeReadyMarker(env, spec); err != nil {
		return err
	}
	fmt.Fprintf(s.controlLog, "Built conda environment %s in %s\n", env.name, elapsed.Round(time.Millisecond))
	log.DebugContext(ctx, "envbuild: build finished", "elapsed", elapsed)
	return nil
}

// runTool runs the tool in its own process group with combined output to
// out; cancelling ctx kills the whole group.
func runTool(ctx context.Context, path string, args []string, out *toolOutput) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = toolWaitDelay
	return cmd.Run()
}

// writeSpecFile writes the conda specification next to the environment,
// under a temporary name (conda wants a .yml extension).
func writeSpecFile(env condaEnv, spec []byte) (string, error) {
	f, err := os.CreateTemp(env.cacheDir, "."+env.name+".spec-*.yml")
	if err != nil {
		return "", fmt.Errorf("envbuild: write conda specification: %w", err)
	}
	_, werr := f.Write(spec)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("envbuild: write conda specification: %w", err)
	}
	return f.Name(), nil
}

// writeReadyMarker atomically writes the ready marker holding spec.
func writeReadyMarker(env condaEnv, spec []byte) error {
	f, err := os.CreateTemp(env.prefix, readyMarkerName+".tmp-*")
	if err != nil {
		return fmt.Errorf("envbuild: write ready marker: %w", err)
	}
	_, werr := f.Write(spec)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("envbuild: write ready marker: %w", err)
	}
	if err := os.Rename(f.Name(), env.readyMarker()); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("envbuild: write ready marker: %w", err)
	}
	return nil
}

// formatTail renders the last tool output lines for an error message.
func formatTail(lines []string) string {
	if len(lines) == 0 {
		return " (no output)"
	}
	var b strings.Builder
	b.WriteString("; last output:")
	for _, l := range lines {
		b.WriteString("\n  ")
		b.WriteString(l)
	}
	return b.String()
}
