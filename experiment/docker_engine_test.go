package experiment_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/dockertest"
	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/runconfig"
)

// gatedScript prints "up", waits for the file gate in its working directory, then prints "done".
const gatedScript = `import os, time
print("up", flush=True)
while not os.path.exists("gate"):
    time.sleep(0.02)
print("done", flush=True)
`

// TestDockerEngineRestartedMidRun restarts the run's Docker engine while the run waits. Without
// live-restore the engine stops the container: the run ends Failed as a SystemError that says
// so, and waiting never hangs. With live-restore the container goes on and the run completes,
// every line once.
func TestDockerEngineRestartedMidRun(t *testing.T) {
	shared := dockertest.Require(t)
	for _, live := range []bool{false, true} {
		name := "Stopped"
		if live {
			name = "LiveRestore"
		}
		t.Run(name, func(t *testing.T) {
			d := dockertest.StartDaemon(t, &dockertest.DaemonOptions{LiveRestore: live})
			d.LoadImage(t, shared, shared.PythonImage)
			t.Setenv("DOCKER_HOST", d.Host())
			ctx := context.Background()
			ws := openWorkspace(t)
			exp, err := experiment.New(ws, "docker-engine-restart")
			require.NoError(t, err)
			src := sourceDir(t, map[string]string{"s.py": gatedScript})
			run, err := exp.Submit(ctx, runconfig.ScriptRunConfig{SourceDirectory: src, Script: "s.py", RunConfig: dockerRC(shared.PythonImage)}, nil)
			require.NoError(t, err)
			out := &testenv.Watch{}
			type result struct {
				details *experiment.RunDetails
				err     error
			}
			done := make(chan result, 1)
			go func() {
				det, err := run.WaitForCompletion(ctx, &experiment.WaitOptions{ShowOutput: out, RaiseOnError: new(bool)})
				done <- result{det, err}
			}()
			out.WaitFor(t, "up\n", testenv.Patience)
			d.Restart(t)
			require.NoError(t, os.WriteFile(filepath.Join(ws.RunsDir(), run.ID(), "wd", "gate"), nil, 0o644))
			var res result
			select {
			case res = <-done:
			case <-time.After(3 * testenv.Patience):
				t.Fatal("waiting for the run hung after the engine restarted")
			}
			require.NoError(t, res.err, out.String())
			if live {
				assert.Equal(t, experiment.StatusCompleted, res.details.Status, "%s", res.details.Error)
				assert.Equal(t, 1, strings.Count(out.String(), "up\n"))
				assert.Equal(t, 1, strings.Count(out.String(), "done\n"))
			} else {
				assert.Equal(t, experiment.StatusFailed, res.details.Status)
				assert.Contains(t, string(res.details.Error), "SystemError")
				assert.Contains(t, string(res.details.Error), "the Docker engine at "+d.Host()+" was restarted")
				t.Logf("%s", res.details.Error)
			}
			assert.Empty(t, containersOf(t, d.Host(), run.ID()))
		})
	}
}
