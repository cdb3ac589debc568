package mlflowrest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Run statuses (RunInfo.Status, SetTerminated).
const (
	StatusRunning   = "RUNNING"
	StatusScheduled = "SCHEDULED"
	StatusFinished  = "FINISHED"
	StatusFailed    = "FAILED"
	StatusKilled    = "KILLED"
)

// Metric is one value of a metric: MLflow keeps every (key, value, timestamp, step) logged.
type Metric struct {
	Key       string
	Value     float64 // NaN and ±Inf travel as MLflow writes them ("NaN", "Infinity")
	Timestamp int64   // milliseconds since the Unix epoch
	Step      int64
}

// Time returns Timestamp as a time.Time.
func (m Metric) Time() time.Time { return time.UnixMilli(m.Timestamp) }

type wireMetric struct {
	Key       string    `json:"key"`
	Value     wireFloat `json:"value"`
	Timestamp wireInt   `json:"timestamp"`
	Step      wireInt   `json:"step"`
}

func (m Metric) wire() wireMetric {
	return wireMetric{Key: m.Key, Value: wireFloat(m.Value), Timestamp: wireInt(m.Timestamp), Step: wireInt(m.Step)}
}

func (w wireMetric) metric() Metric {
	return Metric{Key: w.Key, Value: float64(w.Value), Timestamp: int64(w.Timestamp), Step: int64(w.Step)}
}

// RunInfo is the info part of an MLflow run.
type RunInfo struct {
	RunID          string
	RunName        string
	ExperimentID   string
	UserID         string
	Status         string // StatusRunning, StatusFinished, ...
	StartTime      int64  // milliseconds since the Unix epoch; 0 = unknown
	EndTime        int64  // milliseconds since the Unix epoch; 0 = still running
	ArtifactURI    string
	LifecycleStage string // "active" or "deleted"
}

type wireRunInfo struct {
	RunID          string  `json:"run_id"`
	RunUUID        string  `json:"run_uuid"`
	RunName        string  `json:"run_name"`
	ExperimentID   string  `json:"experiment_id"`
	UserID         string  `json:"user_id"`
	Status         string  `json:"status"`
	StartTime      wireInt `json:"start_time"`
	EndTime        wireInt `json:"end_time"`
	ArtifactURI    string  `json:"artifact_uri"`
	LifecycleStage string  `json:"lifecycle_stage"`
}

func (w wireRunInfo) info() RunInfo {
	id := w.RunID
	if id == "" {
		id = w.RunUUID // servers before MLflow 1.x's run_id
	}
	return RunInfo{RunID: id, RunName: w.RunName, ExperimentID: w.ExperimentID, UserID: w.UserID,
		Status: w.Status, StartTime: int64(w.StartTime), EndTime: int64(w.EndTime),
		ArtifactURI: w.ArtifactURI, LifecycleStage: w.LifecycleStage}
}

// Run is a run as runs/get returns it.
type Run struct {
	Info RunInfo
	// Metrics holds the latest value of each metric key (the one with the highest step, then
	// the latest timestamp), in the server's order; MetricHistory has every value.
	Metrics []Metric
	Params  map[string]string
	Tags    map[string]string
}

// Metric returns the latest value of key from r.Metrics.
func (r *Run) Metric(key string) (Metric, bool) {
	for _, m := range r.Metrics {
		if m.Key == key {
			return m, true
		}
	}
	return Metric{}, false
}

type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type wireRun struct {
	Info wireRunInfo `json:"info"`
	Data struct {
		Metrics []wireMetric `json:"metrics"`
		Params  []keyValue   `json:"params"`
		Tags    []keyValue   `json:"tags"`
	} `json:"data"`
}

func (w wireRun) run() *Run {
	r := &Run{Info: w.Info.info(), Params: map[string]string{}, Tags: map[string]string{}}
	for _, m := range w.Data.Metrics {
		r.Metrics = append(r.Metrics, m.metric())
	}
	for _, p := range w.Data.Params {
		r.Params[p.Key] = p.Value
	}
	for _, t := range w.Data.Tags {
		r.Tags[t.Key] = t.Value
	}
	return r
}

// wireFloat is a double in MLflow's JSON: a number, or "NaN", "Infinity", "-Infinity".
type wireFloat float64

func (f wireFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(v)
}

func (f *wireFloat) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = wireFloat(math.NaN())
		case "Infinity":
			*f = wireFloat(math.Inf(1))
		case "-Infinity":
			*f = wireFloat(math.Inf(-1))
		default:
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return fmt.Errorf("metric value %q is not a number", s)
			}
			*f = wireFloat(v)
		}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = wireFloat(v)
	return nil
}

// wireInt is an int64 in MLflow's JSON: a number, or a string (proto3 JSON's int64 form).
type wireInt int64

func (i wireInt) MarshalJSON() ([]byte, error) { return strconv.AppendInt(nil, int64(i), 10), nil }

func (i *wireInt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an int64", s)
	}
	*i = wireInt(v)
	return nil
}
