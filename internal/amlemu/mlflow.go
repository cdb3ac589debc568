package amlemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/arm/armfake"
)

// mlflowCall posts (or gets) one MLflow REST call to the real tracking server.
func (e *Emulator) mlflowCall(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(e.opts.MLflowURL, "/")+"/api/2.0/mlflow/"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mlflow %s: %d %s", path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// startMLflowRun creates the job's run in the real MLflow server (in an experiment named as the
// job's) and remembers its id: the service's MLflow run id is the job name.
func (e *Emulator) startMLflowRun(ctx context.Context, j *job, experiment string) error {
	var got struct {
		Experiment struct {
			ID string `json:"experiment_id"`
		} `json:"experiment"`
	}
	err := e.mlflowCall(ctx, http.MethodGet, "experiments/get-by-name?experiment_name="+urlQuery(experiment), nil, &got)
	if err != nil {
		var created struct {
			ID string `json:"experiment_id"`
		}
		if err := e.mlflowCall(ctx, http.MethodPost, "experiments/create", map[string]any{"name": experiment}, &created); err != nil {
			// Another job may have created it meanwhile.
			if err2 := e.mlflowCall(ctx, http.MethodGet, "experiments/get-by-name?experiment_name="+urlQuery(experiment), nil, &got); err2 != nil {
				return err
			}
		} else {
			got.Experiment.ID = created.ID
		}
	}
	var run struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	if err := e.mlflowCall(ctx, http.MethodPost, "runs/create", map[string]any{
		"experiment_id": got.Experiment.ID, "run_name": j.name, "start_time": time.Now().UnixMilli(),
		"tags": []map[string]string{{"key": "mlflow.runName", "value": j.name}},
	}, &run); err != nil {
		return err
	}
	e.mu.Lock()
	e.mlflowRuns[j.name] = run.Run.Info.RunID
	e.mu.Unlock()
	return nil
}

// serveMLflow is the workspace's MLflow endpoint: {base}/api/2.0/mlflow/... proxied to the real
// server, the job name standing for the MLflow run id both ways.
func (e *Emulator) serveMLflow(w http.ResponseWriter, r *http.Request) {
	_, rest, ok := strings.Cut(r.URL.Path, "/api/2.0/mlflow/")
	if !ok || !strings.HasPrefix(r.URL.Path, "/mlflow/") {
		http.Error(w, `{"error_code":"ENDPOINT_NOT_FOUND","message":"not an MLflow path"}`, http.StatusNotFound)
		return
	}
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+JobToken && auth != "Bearer "+armfake.Token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error_code":"UNAUTHENTICATED","message":"missing or invalid bearer token"}`)
		return
	}
	e.mu.Lock()
	ids := make(map[string]string, len(e.mlflowRuns))
	for k, v := range e.mlflowRuns {
		ids[k] = v
	}
	e.mu.Unlock()
	q := r.URL.Query()
	for _, p := range []string{"run_id", "run_uuid"} {
		if real, ok := ids[q.Get(p)]; ok {
			q.Set(p, real)
		}
	}
	body, _ := io.ReadAll(r.Body)
	if len(body) > 0 {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for _, p := range []string{"run_id", "run_uuid"} {
				if real, ok := ids[str(m[p])]; ok {
					m[p] = real
				}
			}
			body, _ = json.Marshal(m)
		}
	}
	u := strings.TrimSuffix(e.opts.MLflowURL, "/") + "/api/2.0/mlflow/" + rest
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	for name, real := range ids {
		out = bytes.ReplaceAll(out, []byte(`"`+real+`"`), []byte(`"`+name+`"`))
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	w.Write(out)
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "&", "%26", "+", "%2B", "#", "%23", "?", "%3F", "=", "%3D")
	return r.Replace(s)
}
