package mlflowrest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "tok-s3cr3t-value"

func tokenFunc(context.Context) (string, error) { return secret, nil }

func newTestClient(t *testing.T, h http.HandlerFunc, opts *Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/mlflow/v2.0/ws/", opts)
	require.NoError(t, err)
	return c
}

func TestNewRejectsBadBaseURLs(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:5000", "ftp://h/", "https://h/x?y=1", "azureml://h/mlflow/v1.0"} {
		_, err := New(u, nil)
		assert.Error(t, err, u)
	}
	c, err := New("http://127.0.0.1:5000/", nil)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:5000", c.BaseURL())
}

func TestErrorMapping(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/mlflow/v2.0/ws/api/2.0/mlflow/runs/get", r.URL.Path)
		assert.Equal(t, "Bearer "+secret, r.Header.Get("Authorization"))
		switch r.URL.Query().Get("run_id") {
		case "mlflow":
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run with id=mlflow not found"}`)
		case "azure":
			w.WriteHeader(400)
			fmt.Fprint(w, `{"Error": {"Code": "UserError", "Message": "MaxResults = 25000 is invalid: MaxResults must be less than 1000."}, "statusCode": 400, "error_code": "BAD_REQUEST"}`)
		default:
			w.WriteHeader(502)
			fmt.Fprint(w, "<html>bad gateway</html>")
		}
	}, &Options{Token: tokenFunc})
	ctx := context.Background()

	_, err := c.GetRun(ctx, "mlflow")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 404, e.StatusCode)
	assert.Equal(t, "RESOURCE_DOES_NOT_EXIST", e.Code)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "mlflowrest: GET runs/get: HTTP 404 RESOURCE_DOES_NOT_EXIST: Run with id=mlflow not found", err.Error())

	_, err = c.GetRun(ctx, "azure")
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "BAD_REQUEST", e.Code)
	assert.Contains(t, e.Message, "MaxResults must be less than 1000")
	assert.NotErrorIs(t, err, ErrNotFound)

	_, err = c.GetRun(ctx, "other")
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.Equal(t, "<html>bad gateway</html>", e.Message)
	assert.NotContains(t, err.Error(), secret)
}

func TestRetriesHonourRetryAfter(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var times []time.Time
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"}`)
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(503)
		default:
			fmt.Fprint(w, `{}`)
		}
	}, nil)
	require.NoError(t, c.SetTerminated(context.Background(), "r", StatusFinished))
	assert.EqualValues(t, 3, calls.Load())
	mu.Lock()
	defer mu.Unlock()
	assert.GreaterOrEqual(t, times[1].Sub(times[0]), 900*time.Millisecond, "Retry-After: 1 waited for")
}

func TestRetriesAreBounded(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600") // capped by MaxRetryDelay
		w.WriteHeader(503)
		fmt.Fprint(w, `{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "down"}`)
	}, &Options{MaxRetries: 2, MaxRetryDelay: 10 * time.Millisecond, Token: tokenFunc})
	err := c.LogBatch(context.Background(), "r", []Metric{{Key: "m", Value: 1}}, nil, nil)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.EqualValues(t, 3, calls.Load(), "one call and two retries")
	assert.NotContains(t, err.Error(), secret)

	// no retries at all, and none for other errors
	calls.Store(0)
	c2 := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1); w.WriteHeader(503) },
		&Options{MaxRetries: -1})
	require.Error(t, c2.SetTerminated(context.Background(), "r", StatusKilled))
	assert.EqualValues(t, 1, calls.Load())
}

func TestRetryWaitStopsWithContext(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
	}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := c.GetRun(ctx, "r")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(began), 10*time.Second)
}

func TestTokenErrorIsReported(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { t.Error("no request expected") },
		&Options{Token: func(context.Context) (string, error) { return "", errors.New("no credential") }})
	_, err := c.GetRun(context.Background(), "r")
	require.ErrorContains(t, err, "getting a token: no credential")
}

func TestMetricHistoryStopsOnRepeatedToken(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "7", r.URL.Query().Get("max_results"))
		fmt.Fprint(w, `{"metrics": [{"key": "m", "value": "NaN", "timestamp": "5", "step": 1}], "next_page_token": "same"}`)
	}, &Options{PageSize: 7})
	var got []Metric
	var err error
	for m, e := range c.MetricHistory(context.Background(), "r", "m") {
		if e != nil {
			err = e
			break
		}
		got = append(got, m)
	}
	require.ErrorContains(t, err, "repeated page token")
	require.Len(t, got, 2, "the first page, then the same page once more")
	assert.True(t, math.IsNaN(got[0].Value))
	assert.EqualValues(t, 5, got[0].Timestamp)
}

func TestSplitBatch(t *testing.T) {
	var ms []wireMetric
	for i := range 1300 {
		ms = append(ms, wireMetric{Key: "a", Step: wireInt(i)})
		if i < 700 {
			ms = append(ms, wireMetric{Key: fmt.Sprintf("k%d", i), Step: wireInt(i)})
		}
	}
	var params, tags []keyValue
	for i := range 150 {
		params = append(params, keyValue{Key: fmt.Sprintf("p%03d", i), Value: "v"})
		tags = append(tags, keyValue{Key: fmt.Sprintf("t%03d", i), Value: strings.Repeat("x", 5000)})
	}
	batches := splitBatch(ms, params, tags)
	var gotM []wireMetric
	var np, nt int
	for _, b := range batches {
		assert.LessOrEqual(t, len(b.Metrics), MaxMetricsPerBatch)
		assert.LessOrEqual(t, len(b.Params), MaxParamsPerBatch)
		assert.LessOrEqual(t, len(b.Tags), MaxTagsPerBatch)
		assert.LessOrEqual(t, len(b.Metrics)+len(b.Params)+len(b.Tags), MaxEntitiesPerBatch)
		perKey := map[string]int{}
		for _, m := range b.Metrics {
			perKey[m.Key]++
		}
		assert.LessOrEqual(t, perKey["a"], MaxValuesPerKey)
		data, err := json.Marshal(b)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(data), MaxBatchBytes)
		gotM = append(gotM, b.Metrics...)
		np, nt = np+len(b.Params), nt+len(b.Tags)
	}
	assert.Equal(t, ms, gotM, "every metric once, in order")
	assert.Equal(t, 150, np)
	assert.Equal(t, 150, nt)
	assert.Empty(t, splitBatch(nil, nil, nil))
}

func TestWireValues(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0.5, -3} {
		data, err := json.Marshal(wireFloat(v))
		require.NoError(t, err)
		var back wireFloat
		require.NoError(t, json.Unmarshal(data, &back))
		if math.IsNaN(v) {
			assert.True(t, math.IsNaN(float64(back)))
		} else {
			assert.Equal(t, v, float64(back), string(data))
		}
	}
	var i wireInt
	require.NoError(t, json.Unmarshal([]byte(`"1700000000000"`), &i))
	assert.EqualValues(t, 1700000000000, i)
	require.Error(t, json.Unmarshal([]byte(`"x"`), &i))
}
