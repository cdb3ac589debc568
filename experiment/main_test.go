package experiment_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/runconfig"
	"github.com/amlgo/amlgo/workspace"
)

// helperEnv makes the test binary act as a second SDK process (see helperMain).
const helperEnv = "AMLGO_EXPERIMENT_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helperMain(mode); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperMain is a second SDK process. Modes:
//   - "submit-and-wait": submits $HELPER_SCRIPT from $HELPER_SRC, prints the run id, then waits
//     (the test kills it with SIGKILL while it waits);
//   - "submit-many": submits $HELPER_COUNT runs of $HELPER_SRC/s.py and waits for each.
func helperMain(mode string) error {
	ctx := context.Background()
	ws, err := workspace.Open(os.Getenv("HELPER_WS"), nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	exp, err := experiment.New(ws, os.Getenv("HELPER_EXPERIMENT"))
	if err != nil {
		return err
	}
	rc := runconfig.New()
	rc.Environment.Python.UserManagedDependencies = true
	rc.Environment.Python.InterpreterPath = os.Getenv("HELPER_PYTHON")
	if img := os.Getenv("HELPER_DOCKER_IMAGE"); img != "" {
		// In a container of that image, on the engine DOCKER_HOST names.
		rc.Environment.Docker.Enabled = true
		rc.Environment.Docker.BaseImage = img
		rc.Environment.Python.InterpreterPath = "python3"
	}
	src := runconfig.ScriptRunConfig{SourceDirectory: os.Getenv("HELPER_SRC"), Script: "s.py", RunConfig: rc}
	switch mode {
	case "submit-and-wait":
		run, err := exp.Submit(ctx, src, nil)
		if err != nil {
			return err
		}
		fmt.Println(run.ID())
		_, err = run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: os.Stderr})
		return err
	case "submit-many":
		n, _ := strconv.Atoi(os.Getenv("HELPER_COUNT"))
		for range n {
			run, err := exp.Submit(ctx, src, nil)
			if err != nil {
				return err
			}
			if _, err := run.WaitForCompletion(ctx, nil); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}
