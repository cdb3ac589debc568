package mlflowtest

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/mlflowrest"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestStartAndStop(t *testing.T) {
	s := Start(t)
	t.Logf("own MLflow server at %s started in %v", s.URL, s.Startup)
	assert.FileExists(t, s.Dir+"/mlflow.db")
	resp, err := http.Get(s.URL + "/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, s.Log(), "huey", "the job runner is off")

	pgid := s.cmd.Process.Pid
	require.True(t, groupAlive(pgid))
	require.NoError(t, s.Stop())
	assert.False(t, groupAlive(pgid), "no process of the server's group is left")
	require.NoError(t, s.Stop(), "Stop twice")
	_, err = http.Get(s.URL + "/health")
	assert.Error(t, err)
}

func TestSharedIsOneServer(t *testing.T) {
	a := Shared(t)
	b := Shared(t)
	assert.Same(t, a, b)
	c := a.Client(t, nil)
	id, err := c.GetOrCreateExperiment(context.Background(), t.Name())
	require.NoError(t, err)
	assert.NotEmpty(t, id)
}

func TestProxy(t *testing.T) {
	s := Shared(t)
	p := NewProxy(t, s.URL, &ProxyOptions{Token: "t0k",
		Intercept: func(w http.ResponseWriter, r *http.Request, endpoint string, n int) bool {
			if endpoint == "runs/get" && n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
			return false
		}})
	anon, err := mlflowrest.New(p.URL, nil)
	require.NoError(t, err)
	_, err = anon.GetOrCreateExperiment(context.Background(), t.Name())
	require.Error(t, err)
	assert.Equal(t, 1, p.Unauthorized())

	c, err := mlflowrest.New(p.URL, &mlflowrest.Options{Token: func(context.Context) (string, error) { return "t0k", nil }})
	require.NoError(t, err)
	id, err := c.GetOrCreateExperiment(context.Background(), t.Name())
	require.NoError(t, err)
	info, err := c.CreateRun(context.Background(), id, "", nil)
	require.NoError(t, err)
	_, err = c.GetRun(context.Background(), info.RunID) // the first answer is a 503, retried
	require.NoError(t, err)
	assert.Equal(t, 2, p.Count("runs/get"))
	assert.Equal(t, 1, p.Count("runs/create"))
}
