package mlflowrest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// GetRun returns a run: its info, the latest value of each metric, its params and tags.
func (c *Client) GetRun(ctx context.Context, runID string) (*Run, error) {
	if runID == "" {
		return nil, errors.New("mlflowrest: GetRun: empty run id")
	}
	var out struct {
		Run wireRun `json:"run"`
	}
	if err := c.call(ctx, http.MethodGet, "runs/get", url.Values{"run_id": {runID}}, nil, &out); err != nil {
		return nil, err
	}
	return out.Run.run(), nil
}

// MetricHistory yields every value of one metric of a run, in the server's order (MLflow's SQL
// store: by timestamp, then step, then value), fetching pages of Options.PageSize values as
// the loop goes. It stops at the first error, which it yields with a zero Metric. A run
// without that metric yields nothing; an unknown run yields an error matching ErrNotFound.
func (c *Client) MetricHistory(ctx context.Context, runID, key string) iter.Seq2[Metric, error] {
	return func(yield func(Metric, error) bool) {
		if runID == "" || key == "" {
			yield(Metric{}, errors.New("mlflowrest: MetricHistory: empty run id or metric key"))
			return
		}
		seen := map[string]bool{}
		token := ""
		for {
			q := url.Values{"run_id": {runID}, "metric_key": {key}, "max_results": {strconv.Itoa(c.pageSize)}}
			if token != "" {
				q.Set("page_token", token)
			}
			var page struct {
				Metrics       []wireMetric `json:"metrics"`
				NextPageToken string       `json:"next_page_token"`
			}
			if err := c.call(ctx, http.MethodGet, "metrics/get-history", q, nil, &page); err != nil {
				yield(Metric{}, err)
				return
			}
			for _, m := range page.Metrics {
				if !yield(m.metric(), nil) {
					return
				}
			}
			if page.NextPageToken == "" {
				return
			}
			if seen[page.NextPageToken] {
				yield(Metric{}, fmt.Errorf("mlflowrest: metrics/get-history of %q: the server repeated page token %q; stopping", key, page.NextPageToken))
				return
			}
			seen[page.NextPageToken] = true
			token = page.NextPageToken
		}
	}
}

// GetOrCreateExperiment returns the id of the experiment called name, creating it when there is
// none. A deleted experiment of that name is an error (MLflow keeps the name reserved).
func (c *Client) GetOrCreateExperiment(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", errors.New("mlflowrest: GetOrCreateExperiment: empty name")
	}
	get := func() (string, error) {
		var out struct {
			Experiment struct {
				ID             string `json:"experiment_id"`
				LifecycleStage string `json:"lifecycle_stage"`
			} `json:"experiment"`
		}
		if err := c.call(ctx, http.MethodGet, "experiments/get-by-name", url.Values{"experiment_name": {name}}, nil, &out); err != nil {
			return "", err
		}
		if out.Experiment.LifecycleStage == "deleted" {
			return "", fmt.Errorf("mlflowrest: experiment %q (id %s) is deleted; restore or purge it first", name, out.Experiment.ID)
		}
		return out.Experiment.ID, nil
	}
	id, err := get()
	if !errors.Is(err, ErrNotFound) {
		return id, err
	}
	var created struct {
		ID string `json:"experiment_id"`
	}
	err = c.call(ctx, http.MethodPost, "experiments/create", nil, map[string]any{"name": name}, &created)
	var e *Error
	if errors.As(err, &e) && e.Code == "RESOURCE_ALREADY_EXISTS" {
		return get() // created by someone else meanwhile
	}
	if err != nil {
		return "", err
	}
	return created.ID, nil
}

// CreateRun starts a run (status RUNNING, start time now) in an experiment, with a name and
// tags (nil for none).
func (c *Client) CreateRun(ctx context.Context, experimentID, runName string, tags map[string]string) (*RunInfo, error) {
	if experimentID == "" {
		return nil, errors.New("mlflowrest: CreateRun: empty experiment id")
	}
	req := map[string]any{
		"experiment_id": experimentID,
		"start_time":    time.Now().UnixMilli(),
		"tags":          sortedKeyValues(tags),
	}
	if runName != "" {
		req["run_name"] = runName
	}
	var out struct {
		Run wireRun `json:"run"`
	}
	if err := c.call(ctx, http.MethodPost, "runs/create", nil, req, &out); err != nil {
		return nil, err
	}
	info := out.Run.Info.info()
	return &info, nil
}

// SetTerminated ends a run with status (StatusFinished, StatusFailed or StatusKilled) and end
// time now.
func (c *Client) SetTerminated(ctx context.Context, runID, status string) error {
	switch status {
	case StatusFinished, StatusFailed, StatusKilled:
	default:
		return fmt.Errorf("mlflowrest: SetTerminated: status %q is not %s, %s or %s", status, StatusFinished, StatusFailed, StatusKilled)
	}
	if runID == "" {
		return errors.New("mlflowrest: SetTerminated: empty run id")
	}
	req := map[string]any{"run_id": runID, "status": status, "end_time": time.Now().UnixMilli()}
	return c.call(ctx, http.MethodPost, "runs/update", nil, req, nil)
}

// LogBatch logs metrics (in order), params and tags to a run, in as many runs/log-batch calls
// as the limits need (see the package doc); metrics keep their order across calls. A zero
// Timestamp is set to now. Nothing to log makes no call. It stops at the first failed call: the calls before it stay logged.
func (c *Client) LogBatch(ctx context.Context, runID string, metrics []Metric, params, tags map[string]string) error {
	if runID == "" {
		return errors.New("mlflowrest: LogBatch: empty run id")
	}
	now := time.Now().UnixMilli()
	wm := make([]wireMetric, len(metrics))
	for i, m := range metrics {
		if m.Key == "" {
			return fmt.Errorf("mlflowrest: LogBatch: metric %d has an empty key", i)
		}
		if m.Timestamp == 0 {
			m.Timestamp = now
		}
		wm[i] = m.wire()
	}
	batches := splitBatch(wm, sortedKeyValues(params), sortedKeyValues(tags))
	for i, b := range batches {
		b.RunID = runID
		if err := c.call(ctx, http.MethodPost, "runs/log-batch", nil, b, nil); err != nil {
			if len(batches) > 1 {
				return fmt.Errorf("%w (call %d of %d; the calls before it are logged)", err, i+1, len(batches))
			}
			return err
		}
	}
	return nil
}

func sortedKeyValues(m map[string]string) []keyValue {
	out := make([]keyValue, 0, len(m))
	for k, v := range m {
		out = append(out, keyValue{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
