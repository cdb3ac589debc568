package mlflowrest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/mlflowrest"
	"github.com/amlgo/amlgo/internal/mlflowtest"
)

func TestMain(m *testing.M) { os.Exit(mlflowtest.Main(m)) }

// newRun makes an experiment named after the test and a run in it, through a proxy that wants
// a bearer token (as Azure ML does) and counts the calls.
func newRun(t *testing.T, opts *mlflowtest.ProxyOptions) (*mlflowrest.Client, *mlflowtest.Proxy, string) {
	t.Helper()
	srv := mlflowtest.Shared(t)
	o := mlflowtest.ProxyOptions{Token: "test-token"}
	if opts != nil {
		o.Intercept = opts.Intercept
	}
	proxy := mlflowtest.NewProxy(t, srv.URL, &o)
	c, err := mlflowrest.New(proxy.URL, &mlflowrest.Options{
		Token: func(context.Context) (string, error) { return "test-token", nil }})
	require.NoError(t, err)
	ctx := context.Background()
	exp, err := c.GetOrCreateExperiment(ctx, t.Name())
	require.NoError(t, err)
	again, err := c.GetOrCreateExperiment(ctx, t.Name())
	require.NoError(t, err)
	require.Equal(t, exp, again)
	info, err := c.CreateRun(ctx, exp, "run-of-"+t.Name(), map[string]string{"origin": "amlgo-test"})
	require.NoError(t, err)
	require.NotEmpty(t, info.RunID)
	assert.Equal(t, mlflowrest.StatusRunning, info.Status)
	assert.Equal(t, exp, info.ExperimentID)
	assert.Equal(t, "run-of-"+t.Name(), info.RunName)
	return c, proxy, info.RunID
}

func history(t *testing.T, c *mlflowrest.Client, runID, key string) []mlflowrest.Metric {
	t.Helper()
	var out []mlflowrest.Metric
	for m, err := range c.MetricHistory(context.Background(), runID, key) {
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func TestLogAndReadBack(t *testing.T) {
	c, proxy, runID := newRun(t, nil)
	ctx := context.Background()

	// 2,500 values of one metric (steps 0..2499, timestamps increasing by one per 10 values)
	// plus a second metric, some params and tags.
	base := time.Now().Add(-time.Hour).UnixMilli()
	var ms []mlflowrest.Metric
	for i := range 2500 {
		ms = append(ms, mlflowrest.Metric{Key: "loss", Value: 1 / float64(i+1), Timestamp: base + int64(i/10), Step: int64(i)})
	}
	ms = append(ms, mlflowrest.Metric{Key: "acc", Value: 0.5, Step: 0}, mlflowrest.Metric{Key: "acc", Value: 0.75, Step: 1})
	params := map[string]string{"alpha": "0.5", "solver": "lbfgs"}
	tags := map[string]string{"team": "amlgo", "mlflow.note.content": "a note"}
	began := time.Now()
	require.NoError(t, c.LogBatch(ctx, runID, ms, params, tags))
	t.Logf("logged %d values in %d log-batch calls in %v", len(ms), proxy.Count("runs/log-batch"), time.Since(began))
	// 2,500 loss values at most 250 per call (Azure ML's per-key limit); the params, the tags
	// and acc ride along in the first and last calls
	assert.Equal(t, 10, proxy.Count("runs/log-batch"))

	began = time.Now()
	got := history(t, c, runID, "loss")
	t.Logf("read %d values in %d get-history pages in %v", len(got), proxy.Count("metrics/get-history"), time.Since(began))
	require.Len(t, got, 2500)
	for i, m := range got {
		require.Equal(t, int64(i), m.Step, "value %d in order", i)
		require.Equal(t, "loss", m.Key)
		require.Equal(t, 1/float64(i+1), m.Value)
		require.Equal(t, base+int64(i/10), m.Timestamp)
	}
	// pages of 500; MLflow's SQL store sends no token after the last full page (it reads one row
	// more than asked to know)
	assert.Equal(t, 5, proxy.Count("metrics/get-history"))

	run, err := c.GetRun(ctx, runID)
	require.NoError(t, err)
	loss, ok := run.Metric("loss")
	require.True(t, ok)
	assert.Equal(t, int64(2499), loss.Step, "the latest value")
	assert.Equal(t, 1/2500.0, loss.Value)
	acc, ok := run.Metric("acc")
	require.True(t, ok)
	assert.Equal(t, 0.75, acc.Value)
	assert.Equal(t, params, run.Params)
	assert.Equal(t, "amlgo", run.Tags["team"])
	assert.Equal(t, "amlgo-test", run.Tags["origin"])
	assert.Equal(t, "run-of-"+t.Name(), run.Info.RunName)
	assert.Empty(t, history(t, c, runID, "never-logged"))

	require.NoError(t, c.SetTerminated(ctx, runID, mlflowrest.StatusFinished))
	run, err = c.GetRun(ctx, runID)
	require.NoError(t, err)
	assert.Equal(t, mlflowrest.StatusFinished, run.Info.Status)
	assert.NotZero(t, run.Info.EndTime)
	assert.Zero(t, proxy.Unauthorized())
}

func TestErrorsFromTheServer(t *testing.T) {
	c, _, runID := newRun(t, nil)
	ctx := context.Background()

	_, err := c.GetRun(ctx, "0123456789abcdef0123456789abcdef")
	var e *mlflowrest.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusNotFound, e.StatusCode)
	assert.Equal(t, "RESOURCE_DOES_NOT_EXIST", e.Code)
	assert.ErrorIs(t, err, mlflowrest.ErrNotFound)
	assert.Contains(t, err.Error(), "0123456789abcdef0123456789abcdef")

	for _, err := range c.MetricHistory(ctx, "0123456789abcdef0123456789abcdef", "m") {
		assert.ErrorIs(t, err, mlflowrest.ErrNotFound)
	}

	// a param cannot change value
	require.NoError(t, c.LogBatch(ctx, runID, nil, map[string]string{"p": "1"}, nil))
	err = c.LogBatch(ctx, runID, nil, map[string]string{"p": "2"}, nil)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusBadRequest, e.StatusCode)
	assert.Equal(t, "INVALID_PARAMETER_VALUE", e.Code)

	require.Error(t, c.SetTerminated(ctx, runID, "DONE"))
	require.NoError(t, c.SetTerminated(ctx, runID, mlflowrest.StatusFailed))
	run, err := c.GetRun(ctx, runID)
	require.NoError(t, err)
	assert.Equal(t, mlflowrest.StatusFailed, run.Info.Status)

	// a wrong token is refused by the proxy, and the token is not in the error
	bad, err := mlflowrest.New(mlflowtest.NewProxy(t, mlflowtest.Shared(t).URL, &mlflowtest.ProxyOptions{Token: "right"}).URL,
		&mlflowrest.Options{Token: func(context.Context) (string, error) { return "wrong-token", nil }})
	require.NoError(t, err)
	_, err = bad.GetRun(ctx, runID)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusUnauthorized, e.StatusCode)
	assert.NotContains(t, err.Error(), "wrong-token")
}

func TestThrottledCallsAreRetried(t *testing.T) {
	// every first and second log-batch call is throttled; the third goes through
	c, proxy, runID := newRun(t, &mlflowtest.ProxyOptions{
		Intercept: func(w http.ResponseWriter, r *http.Request, endpoint string, n int) bool {
			if endpoint != "runs/log-batch" || n%3 == 0 {
				return false
			}
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "throttled"}`)
			return true
		}})
	ms := make([]mlflowrest.Metric, 300)
	for i := range ms {
		ms[i] = mlflowrest.Metric{Key: "x", Value: float64(i), Step: int64(i)}
	}
	require.NoError(t, c.LogBatch(context.Background(), runID, ms, nil, nil))
	assert.Equal(t, 6, proxy.Count("runs/log-batch"), "two calls (250 + 50), each after two throttled attempts")
	got := history(t, c, runID, "x")
	require.Len(t, got, 300, "nothing lost or doubled")
	for i, m := range got {
		require.Equal(t, float64(i), m.Value)
	}
	var e *mlflowrest.Error
	assert.False(t, errors.As(nil, &e))
}
