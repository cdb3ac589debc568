package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/machinelearning/armmachinelearning/v4"
)

// serviceState is the persisted form of a job on a cluster: the job's name is its run id.
type serviceState struct {
	Job         string    `json:"job"`
	Target      string    `json:"target"`
	SubmittedAt time.Time `json:"submittedAt"`
}

// serviceExecution is a job in the Azure ML service, observed through the jobs API (status),
// run history (log files, by byte offset) and MLflow (metrics).
type serviceExecution struct {
	c  *BatchCluster
	st serviceState

	mu       sync.Mutex
	firstOut time.Time // when the job's output was first seen
	api      string    // run history's host, from the discovery document
}

var (
	_ Execution       = (*serviceExecution)(nil)
	_ OutputCollector = (*serviceExecution)(nil)
	_ Reattacher      = (*BatchCluster)(nil)
)

func newServiceExecution(c *BatchCluster, st serviceState) *serviceExecution {
	return &serviceExecution{c: c, st: st}
}

// Reattach resumes observing a job on the cluster from its State.
func (c *BatchCluster) Reattach(_ context.Context, state json.RawMessage) (Execution, error) {
	var st serviceState
	if err := json.Unmarshal(state, &st); err != nil || st.Job == "" {
		return nil, fmt.Errorf("compute: reading the job state of cluster %q: %v", c.name, err)
	}
	if st.Target != "" && st.Target != c.name {
		return nil, fmt.Errorf("compute: the job ran on target %q, not %q", st.Target, c.name)
	}
	return newServiceExecution(c, st), nil
}

// State returns the job's name and target.
func (e *serviceExecution) State() json.RawMessage {
	b, _ := json.Marshal(e.st)
	return b
}

// Observe reads the job's status, the new bytes of its log files (byte ranges from the
// cursor: nothing is read twice, across processes too) and, once the job has ended, its
// metrics from MLflow.
func (e *serviceExecution) Observe(ctx context.Context, cur Cursor) (*Observation, error) {
	cl := e.c.az.Clients
	res, err := cl.Jobs.Get(ctx, e.c.az.ResourceGroup, e.c.az.Name, e.st.Job, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading job %s: %w", e.st.Job, err)
	}
	status := jobStatusOf(res.Properties)
	obs := &Observation{Status: status, Next: cur.Clone()}
	det, err := e.runDetails(ctx)
	if err != nil {
		return nil, err
	}
	obs.StartedAt, obs.EndedAt = det.start(), det.end()
	ended := status == "Completed" || status == "Failed" || status == "Canceled"
	if err := e.readLogs(ctx, det.LogFiles, obs); err != nil {
		return nil, err
	}
	if ended {
		if status == "Failed" {
			obs.Reason, obs.SystemError = det.reason(), det.Error.Error.Code == "SystemError"
		}
		if status == "Canceled" {
			obs.Reason = "The run was canceled."
		}
		recs, err := e.metricRecords(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r.Offset >= cur.Records {
				obs.Records = append(obs.Records, r)
			}
		}
		obs.Next.Records = int64(len(recs))
	}
	obs.PollAfter = e.pollAfter(len(obs.Logs) > 0)
	return obs, nil
}

// pollAfter is at most 1 s during the first 30 s of a job's output, then azureml's backoff;
// before any output, 1 s in the first 30 s after submitting, then the backoff capped at 5 s.
func (e *serviceExecution) pollAfter(output bool) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if output && e.firstOut.IsZero() {
		e.firstOut = time.Now()
	}
	switch {
	case !e.firstOut.IsZero() && time.Since(e.firstOut) < 30*time.Second:
		return 500 * time.Millisecond // the first 30 s of output: lines arrive within a second
	case e.firstOut.IsZero() && time.Since(e.st.SubmittedAt) < 30*time.Second:
		return time.Second
	case e.firstOut.IsZero():
		// Queued or preparing (minutes, on Azure): azureml's backoff, but never so slow that the
		// first output waits long.
		return min(ServicePollInterval(time.Since(e.st.SubmittedAt)), 5*time.Second)
	}
	return ServicePollInterval(time.Since(e.st.SubmittedAt))
}

// ServicePollInterval is azureml-core's polling interval for a service run that has gone on
// for elapsed: max(2, 60/(1+100·e^(−t/20))) seconds.
func ServicePollInterval(elapsed time.Duration) time.Duration {
	t := elapsed.Seconds()
	return time.Duration(math.Max(2, 60/(1+100*math.Exp(-t/20))) * float64(time.Second))
}

// runDetails is run history's view of the job.
type runDetails struct {
	Status    string            `json:"status"`
	StartTime string            `json:"startTimeUtc"`
	EndTime   string            `json:"endTimeUtc"`
	LogFiles  map[string]string `json:"logFiles"`
	Error     struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"error"`
}

func (d *runDetails) start() time.Time { t, _ := time.Parse(time.RFC3339Nano, d.StartTime); return t }
func (d *runDetails) end() time.Time   { t, _ := time.Parse(time.RFC3339Nano, d.EndTime); return t }
func (d *runDetails) reason() string {
	if m := d.Error.Error.Message; m != "" {
		return m
	}
	return "The job failed in the service."
}

// runDetails GETs {api}/history/v1.0{workspace}/runs/{job}/details (the run id is the job name).
func (e *serviceExecution) runDetails(ctx context.Context) (*runDetails, error) {
	api, err := e.apiHost(ctx)
	if err != nil {
		return nil, err
	}
	u := api + "/history/v1.0" + e.c.az.ID() + "/runs/" + url.PathEscape(e.st.Job) + "/details"
	resp, err := e.c.az.Clients.Do(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("compute: reading the run details of job %s: %w", e.st.Job, err)
	}
	defer resp.Body.Close()
	var d runDetails
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return nil, fmt.Errorf("compute: reading the run details of job %s: %w", e.st.Job, err)
	}
	return &d, nil
}

// apiHost is run history's host: the "api" URL of the workspace's discovery document.
func (e *serviceExecution) apiHost(ctx context.Context) (string, error) {
	e.mu.Lock()
	api := e.api
	e.mu.Unlock()
	if api != "" {
		return api, nil
	}
	ws, err := e.c.az.Clients.Workspaces.Get(ctx, e.c.az.ResourceGroup, e.c.az.Name, nil)
	if err != nil {
		return "", fmt.Errorf("compute: reading workspace %s: %w", e.c.az.Name, err)
	}
	if ws.Properties == nil || ws.Properties.DiscoveryURL == nil {
		return "", fmt.Errorf("compute: workspace %s has no discovery URL", e.c.az.Name)
	}
	// The discovery document is public: a plain GET, no token (as azure-ai-ml does).
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *ws.Properties.DiscoveryURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := e.c.az.Clients.HTTPDo(req)
	if err != nil {
		return "", fmt.Errorf("compute: reading the workspace's discovery document: %w", err)
	}
	defer resp.Body.Close()
	var doc map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc["api"] == "" {
		return "", fmt.Errorf("compute: the workspace's discovery document names no run history (api) host")
	}
	e.mu.Lock()
	e.api = strings.TrimSuffix(doc["api"], "/")
	e.mu.Unlock()
	return strings.TrimSuffix(doc["api"], "/"), nil
}

// readLogs appends to obs the bytes of each log file from the cursor's offset (an HTTP range
// request per file; a file not there yet reads as empty).
func (e *serviceExecution) readLogs(ctx context.Context, files map[string]string, obs *Observation) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		off := obs.Next.Logs[name]
		data, err := e.readRange(ctx, files[name], off)
		if err != nil {
			return fmt.Errorf("compute: reading log %s of job %s: %w", name, e.st.Job, err)
		}
		if len(data) == 0 {
			continue
		}
		obs.Logs = append(obs.Logs, LogChunk{Name: name, Offset: off, Data: data})
		if obs.Next.Logs == nil {
			obs.Next.Logs = map[string]int64{}
		}
		obs.Next.Logs[name] = off + int64(len(data))
	}
	return nil
}

// maxLogRead bounds one range read of a log file.
const maxLogRead = 4 << 20

func (e *serviceExecution) readRange(ctx context.Context, sasURL string, off int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sasURL, nil)
	if err != nil {
		return nil, errors.New("invalid log URL")
	}
	req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-"+strconv.FormatInt(off+maxLogRead-1, 10))
	req.Header.Set("x-ms-version", "2021-08-06")
	resp, err := e.c.az.Clients.HTTPDo(req)
	if err != nil {
		return nil, redactURLError(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
		return io.ReadAll(io.LimitReader(resp.Body, maxLogRead))
	case http.StatusNotFound, http.StatusRequestedRangeNotSatisfiable:
		return nil, nil
	}
	return nil, fmt.Errorf("status %d", resp.StatusCode)
}

// Cancel calls the jobs cancel operation and waits for it (the job then reports Canceled).
func (e *serviceExecution) Cancel(ctx context.Context) error {
	p, err := e.c.az.Clients.Jobs.BeginCancel(ctx, e.c.az.ResourceGroup, e.c.az.Name, e.st.Job, nil)
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusConflict {
			return nil // already ended
		}
		return fmt.Errorf("compute: canceling job %s: %w", e.st.Job, err)
	}
	if _, err := p.PollUntilDone(ctx, nil); err != nil {
		return fmt.Errorf("compute: canceling job %s: %w", e.st.Job, err)
	}
	return nil
}

// jobStatusOf is the status of a generated job resource.
func jobStatusOf(p armmachinelearning.JobBasePropertiesClassification) string {
	if p == nil || p.GetJobBaseProperties().Status == nil {
		return "Unknown"
	}
	return string(*p.GetJobBaseProperties().Status)
}
