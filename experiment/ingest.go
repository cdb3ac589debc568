package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/amlgo/amlgo/compute"
	"github.com/amlgo/amlgo/internal/store"
)

// shimRecord is one line of the run's metric records, written by the run-context shim
// (internal/driver): metrics, tags, properties, uploaded files, status changes and child runs.
type shimRecord struct {
	RunID       string          `json:"run_id"`
	TS          string          `json:"ts"`
	Kind        string          `json:"kind"`
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Value       json.RawMessage `json:"value"`
	Description string          `json:"description"`
	Step        *int64          `json:"step"`
	Key         string          `json:"key"`
	Path        string          `json:"path"`
	Status      string          `json:"status"`
	Error       json.RawMessage `json:"error"`
	ChildRunID  string          `json:"child_run_id"`
	// register_model
	ModelName        string            `json:"model_name"`
	ModelPath        string            `json:"model_path"`
	Tags             map[string]string `json:"tags"`
	Properties       map[string]string `json:"properties"`
	ModelFramework   string            `json:"model_framework"`
	FrameworkVersion string            `json:"model_framework_version"`
}

// modelRequest is a Run.register_model call of the script, carried out when the run ends.
type modelRequest struct {
	Name    string
	Options RegisterModelOptions
	// Source identifies the request (run id and record offset), so that it is carried out
	// once even if the run is finalized twice.
	Source string
}

// ingest records new shim records. Metrics are keyed by (run, offset), so records seen twice are
// stored once.
func (o *observer) ingest(ctx context.Context, recs []compute.Record) error {
	if len(recs) == 0 {
		return nil
	}
	r := o.r
	var metrics []store.Metric
	for _, raw := range recs {
		var rec shimRecord
		if err := json.Unmarshal(raw.Line, &rec); err != nil {
			continue // a torn or foreign line; the shim writes whole lines
		}
		runID := rec.RunID
		if runID == "" {
			runID = r.id
		}
		if runID != r.id {
			if err := o.ensureChild(ctx, runID, ""); err != nil {
				return err
			}
		}
		at, _ := time.Parse(time.RFC3339Nano, rec.TS)
		switch rec.Kind {
		case "metric":
			metrics = append(metrics, store.Metric{
				RunID: runID, Offset: raw.Offset, Name: rec.Name, Type: rec.Type,
				Description: rec.Description, Value: decodeValue(rec.Value), Step: rec.Step, Time: at.UTC(),
			})
			if rec.Type == "image" {
				if err := o.ingestImage(ctx, runID, rec); err != nil {
					return err
				}
			}
		case "tag":
			if err := r.st.SetTags(ctx, runID, map[string]string{rec.Key: jsonString(rec.Value)}); err != nil {
				return errorf("experiment: recording tag %q: %w", rec.Key, err)
			}
		case "property":
			// Properties are immutable; a conflicting value from the script is dropped.
			_ = r.st.AddProperties(ctx, runID, map[string]string{rec.Key: jsonString(rec.Value)})
		case "file":
			if err := o.ingestFile(ctx, runID, rec.Name, rec.Path); err != nil {
				return err
			}
		case "status":
			if err := o.ingestStatus(ctx, runID, rec); err != nil {
				return err
			}
		case "child":
			if err := o.ensureChild(ctx, rec.ChildRunID, rec.Name); err != nil {
				return err
			}
		case "register_model":
			opts := RegisterModelOptions{ModelPath: rec.ModelPath, Tags: rec.Tags, Properties: rec.Properties,
				Description: rec.Description, ModelFramework: rec.ModelFramework, ModelFrameworkVersion: rec.FrameworkVersion}
			o.models = append(o.models, modelRequest{Name: rec.ModelName, Options: opts, Source: fmt.Sprintf("%s@%d", r.id, raw.Offset)})
		}
	}
	if err := r.st.AddMetrics(ctx, metrics); err != nil {
		return errorf("experiment: recording metrics of run %s: %w", r.id, err)
	}
	return nil
}

// ingestStatus handles run.complete() and run.fail() from the script.
func (o *observer) ingestStatus(ctx context.Context, runID string, rec shimRecord) error {
	status := Status(rec.Status)
	if runID == o.r.id {
		o.shimStatus = status
		o.shimError = jsonString(rec.Error)
		return nil
	}
	child, err := o.r.st.GetRun(ctx, runID)
	if err != nil {
		return errorf("experiment: %w", err)
	}
	if !status.Terminal() || Status(child.Status).Terminal() {
		return nil
	}
	return newRun(o.r.ws, o.r.st, child).finish(ctx, status, jsonString(rec.Error), nil, "")
}

// ensureChild records a child run of the observed run the first time it is seen.
func (o *observer) ensureChild(ctx context.Context, id, name string) error {
	if id == "" || o.children[id] {
		return nil
	}
	parent := o.r.record()
	now := time.Now().UTC()
	err := o.r.st.CreateRun(ctx, store.Run{
		ID: id, Experiment: parent.Experiment, Target: parent.Target, ParentID: o.r.id,
		Status: string(StatusRunning), DisplayName: name, CreatedAt: now, StartedAt: now,
	})
	if err != nil && !errors.Is(err, store.ErrExists) {
		return errorf("experiment: recording child run %s: %w", id, err)
	}
	o.children[id] = true
	return nil
}

// ingestFile stores a file the script uploaded (Run.upload_file) as an artifact.
func (o *observer) ingestFile(ctx context.Context, runID, name, path string) error {
	opener, ok := o.exec.(compute.RunFileOpener)
	if !ok || name == "" || path == "" {
		return nil
	}
	f, err := opener.OpenRunFile(ctx, path)
	if err != nil {
		return errorf("experiment: reading uploaded file %s: %w", name, err)
	}
	defer f.Close()
	sha, size, err := o.r.st.PutBlob(ctx, f)
	if err != nil {
		return errorf("experiment: storing uploaded file %s: %w", name, err)
	}
	return o.r.st.AddArtifacts(ctx, runID, []store.Artifact{{RunID: runID, Name: name, SHA256: sha, Size: size}})
}

// ingestImage stores the image file of a log_image metric as an artifact named after the metric.
func (o *observer) ingestImage(ctx context.Context, runID string, rec shimRecord) error {
	var v struct {
		Path string `json:"path"`
	}
	if json.Unmarshal(rec.Value, &v) != nil || v.Path == "" {
		return nil
	}
	return o.ingestFile(ctx, runID, v.Path, v.Path)
}

// jsonString returns a JSON string's value, or the JSON text of any other value ("" for null).
func jsonString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
